package dev.enclave.gateway.logging;

import io.quarkus.logging.LoggingFilter;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Drops two ERROR lines that a stream's ordinary end by disconnection makes frameworks write, and
 * nothing else (configured as {@code quarkus.log.console.filter}):
 * <ul>
 * <li>Quarkus REST's {@code PublisherResponseHandler} "Exception in SSE server handling, impossible
 * to send it to client" when the exception is the client's connection being gone (closed channel,
 * broken pipe, reset by peer). An editor cancelling a streamed suggestion does exactly that;
 * Quarkus REST logs it from inside its own write callback, after the write already failed, so the
 * gateway cannot handle it first. The gateway logs the cancellation itself, at DEBUG with the
 * request id ({@code Replies}).</li>
 * <li>Vert.x' {@code HttpClientResponseImpl} "Connection was closed", which Vert.x logs for a
 * model-adapter response nobody listens to any more: the one whose connection the gateway has just
 * closed itself to cancel the stream. A model-adapter connection that breaks while the gateway
 * reads it is reported by the gateway's own code with the request id (WARN).</li>
 * </ul>
 * A filter, not a level: the same loggers' other messages, and these messages with any other
 * exception (a real failure to write, say), still log at ERROR.
 */
@LoggingFilter(name = StreamDisconnectLogFilter.NAME)
public final class StreamDisconnectLogFilter implements Filter {

    public static final String NAME = "enclave-stream-disconnects";
    static final String PUBLISHER = "org.jboss.resteasy.reactive.server.handlers.PublisherResponseHandler";
    static final String PUBLISHER_MESSAGE = "Exception in SSE server handling, impossible to send it to client";
    static final String CLIENT_RESPONSE = "io.vertx.core.http.impl.HttpClientResponseImpl";
    static final String CONNECTION_CLOSED = "Connection was closed";
    /** The JDK's words for a peer that went away (Linux; macOS says the same). */
    private static final Set<String> PEER_GONE = Set.of("Broken pipe", "Connection reset by peer");

    @Override
    public boolean isLoggable(LogRecord record) {
        String logger = record.getLoggerName();
        if (PUBLISHER.equals(logger)) {
            return !(PUBLISHER_MESSAGE.equals(record.getMessage()) && clientGone(record.getThrown()));
        }
        if (CLIENT_RESPONSE.equals(logger)) {
            return !connectionClosed(record.getThrown());
        }
        return true;
    }

    /** The HTTP client of the gateway went away: its connection is closed or was reset. */
    static boolean clientGone(Throwable thrown) {
        if (thrown instanceof ClosedChannelException || connectionClosed(thrown)) {
            return true;
        }
        return thrown instanceof IOException && thrown.getMessage() != null
                && PEER_GONE.stream().anyMatch(thrown.getMessage()::contains);
    }

    /** Vert.x' own exception for a connection that was closed (by either side). */
    static boolean connectionClosed(Throwable thrown) {
        return (thrown instanceof HttpClosedException || thrown instanceof VertxException)
                && CONNECTION_CLOSED.equals(thrown.getMessage());
    }
}
