package dev.enclave.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.MediaType;
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

    public static RestMulti<byte[]> of(Uni<Reply> reply, String requestId) {
        return RestMulti.fromUniResponse(reply, Reply::body, r -> headers(r, requestId));
    }

    private static Map<String, List<String>> headers(Reply reply, String requestId) {
        // response filters do not run for a streamed answer: the request id is echoed here
        return requestId == null ? Map.of("Content-Type", List.of(reply.contentType()))
                : Map.of("Content-Type", List.of(reply.contentType()), RequestIdFilter.HEADER, List.of(requestId));
    }
}
