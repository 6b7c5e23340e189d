package dev.enclave.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.gateway.metrics.AiRequestMetrics;
import dev.enclave.support.http.RequestIdFilter;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestMulti;

import java.util.List;
import java.util.Map;

/**
 * The model endpoints answer either one JSON body or a stream on the same path, chosen by the
 * request's {@code stream} flag, so each returns a {@link RestMulti} of raw bytes and names its
 * content type itself. Declaring no {@code @Produces} keeps Quarkus REST from treating
 * {@code text/event-stream} as SSE (it would add {@code data:} frames; GitLab's clients read raw
 * text) and from refusing any {@code Accept}. Nothing is written before the first piece, so a
 * failure before it (403, 422, model-adapter's refusal) is still answered by
 * {@link GatewayExceptionMapper} with its status.
 */
public final class Replies {

    private static final Logger LOG = Logger.getLogger(Replies.class);

    /** GitLab's streamed code suggestions: raw text chunks under this type. */
    public static final String EVENT_STREAM = "text/event-stream; charset=utf-8";
    public static final String NDJSON = "application/x-ndjson; charset=utf-8";

    private Replies() {
    }

    /** What to answer: a content type and the body, one or more pieces each written as it comes. */
    public record Reply(String contentType, Multi<byte[]> body) {

        public static Reply json(ObjectMapper mapper, Object body) {
            try {
                return new Reply(MediaType.APPLICATION_JSON, Multi.createFrom().item(mapper.writeValueAsBytes(body)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write the answer as JSON", e);
            }
        }

        public static Reply stream(String contentType, Multi<byte[]> body) {
            return new Reply(contentType, body);
        }
    }

    /**
     * @param response the request's Vert.x response, ended here when Quarkus REST cancels the body
     *                 because the client went away (see {@link #endWhenAbandoned})
     */
    public static RestMulti<byte[]> of(Uni<Reply> reply, String requestId, HttpServerResponse response) {
        return of(reply, requestId, response, AiRequestMetrics.Observation.NONE);
    }

    /**
     * As {@link #of(Uni, String, HttpServerResponse)}, and tells {@code observation} how the request
     * ended: refused or failed before the answer, answered to its end, or abandoned by the client;
     * and, for a streamed answer, when its first chunk was written.
     */
    public static RestMulti<byte[]> of(Uni<Reply> reply, String requestId, HttpServerResponse response,
                                       AiRequestMetrics.Observation observation) {
        Uni<Reply> observed = reply
                .onFailure().invoke(observation::failed)
                .onCancellation().invoke(observation::cancelled);
        return RestMulti.fromUniResponse(observed,
                r -> endWhenAbandoned(observed(r, observation), requestId, response),
                r -> headers(r, requestId));
    }

    private static Multi<byte[]> observed(Reply reply, AiRequestMetrics.Observation observation) {
        Multi<byte[]> body = MediaType.APPLICATION_JSON.equals(reply.contentType()) ? reply.body()
                : reply.body().onItem().invoke(observation::chunk);
        return body
                .onCompletion().invoke(observation::completed)
                .onFailure().invoke(observation::failed)
                .onCancellation().invoke(observation::cancelled);
    }

    /**
     * Quarkus REST cancels a body only when its client is gone: the connection closed, or a write
     * failed on it (a client that stopped reading and then dropped the connection). Cancelling
     * stops the stream upstream (model-adapter's connection is closed, the bulkhead slot given
     * back). In the write-failure case Quarkus REST (3.33) then resets the Vert.x response, which
     * marks it closed before the connection's close event arrives, so Vert.x never runs the
     * response's close or end handlers, and Quarkus' graceful shutdown, which counts a request as
     * done from those, would wait its whole timeout for it. Ending the response here, first, runs
     * the end handler while the response is still open; on a closed connection the write of the
     * last chunk just fails, and the reset that follows is a no-op.
     */
    private static Multi<byte[]> endWhenAbandoned(Multi<byte[]> body, String requestId, HttpServerResponse response) {
        return body.onCancellation().invoke(() -> {
            RequestIdFilter.withRequestId(requestId, () ->
                    LOG.debugf("The client went away mid-stream (request %s): the stream is cancelled", requestId));
            if (response == null || response.ended() || response.closed()) {
                return;
            }
            try {
                response.end();
            } catch (RuntimeException e) {
                // already written to its end by another path: nothing is left to release
                LOG.debugf("Ending an abandoned stream's response: %s", e);
            }
        });
    }

    private static Map<String, List<String>> headers(Reply reply, String requestId) {
        // response filters do not run for a streamed answer: the request id is echoed here
        return requestId == null ? Map.of("Content-Type", List.of(reply.contentType()))
                : Map.of("Content-Type", List.of(reply.contentType()), RequestIdFilter.HEADER, List.of(requestId));
    }
}
