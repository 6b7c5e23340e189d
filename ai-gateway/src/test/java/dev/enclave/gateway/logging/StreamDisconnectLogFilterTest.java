package dev.enclave.gateway.logging;

import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

/** Only a client's disconnection and the gateway's own cancellation are kept out of the log. */
class StreamDisconnectLogFilterTest {

    private final StreamDisconnectLogFilter filter = new StreamDisconnectLogFilter();

    private static LogRecord record(String logger, String message, Throwable thrown) {
        LogRecord record = new LogRecord(Level.SEVERE, message);
        record.setLoggerName(logger);
        record.setThrown(thrown);
        return record;
    }

    @Test
    void aClientThatWentAwayMidStreamIsNotAnError() {
        for (Throwable gone : new Throwable[] {new ClosedChannelException(), new IOException("Broken pipe"),
                new IOException("Connection reset by peer"), new HttpClosedException("Connection was closed")}) {
            assertThat(filter.isLoggable(record(StreamDisconnectLogFilter.PUBLISHER,
                    StreamDisconnectLogFilter.PUBLISHER_MESSAGE, gone))).as(gone.toString()).isFalse();
        }
    }

    @Test
    void aStreamThatFailsForAnyOtherReasonStillLogs() {
        assertThat(filter.isLoggable(record(StreamDisconnectLogFilter.PUBLISHER,
                StreamDisconnectLogFilter.PUBLISHER_MESSAGE, new IllegalStateException("cannot serialise")))).isTrue();
        assertThat(filter.isLoggable(record(StreamDisconnectLogFilter.PUBLISHER,
                StreamDisconnectLogFilter.PUBLISHER_MESSAGE, new IOException("No space left on device")))).isTrue();
        assertThat(filter.isLoggable(record(StreamDisconnectLogFilter.PUBLISHER, "something else",
                new ClosedChannelException()))).isTrue();
    }

    @Test
    void onlyTheAdapterConnectionTheGatewayClosedIsDropped() {
        assertThat(filter.isLoggable(record(StreamDisconnectLogFilter.CLIENT_RESPONSE, "Connection was closed",
                new VertxException("Connection was closed", true)))).isFalse();
        assertThat(filter.isLoggable(record(StreamDisconnectLogFilter.CLIENT_RESPONSE, "Connection was closed",
                new HttpClosedException("Connection was closed")))).isFalse();
        assertThat(filter.isLoggable(record(StreamDisconnectLogFilter.CLIENT_RESPONSE, "boom",
                new IllegalStateException("boom")))).isTrue();
        // the same exception from any other logger is left alone
        assertThat(filter.isLoggable(record("dev.enclave.gateway.client.ModelAdapterClient", "Connection was closed",
                new HttpClosedException("Connection was closed")))).isTrue();
    }
}
