package dev.enclave.adapter.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.provider.ModelCallException;
import dev.enclave.adapter.service.Deadline;
import dev.enclave.adapter.service.ModelCallService;
import dev.enclave.support.http.RequestIdFilter;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.RestMulti;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;
import java.util.Map;

/**
 * Internal API for ai-gateway: one model call, provider-neutral in and out. Runs on the event
 * loop and never waits: the answer is a JSON body, or with {@code stream: true} NDJSON events
 * written as they come.
 *
 * <p>Both kinds of answer are a {@link RestMulti}, whose status and headers are decided when the
 * model server has answered: a JSON answer is its one item, a stream its lines. No
 * {@code @Produces}: the content type is set per answer, and a failure before the first item goes
 * through {@link #map} as a JSON error with its status.
 */
@Path("/v1")
@Consumes(MediaType.APPLICATION_JSON)
public class GenerateResource {

    static final String NDJSON = "application/x-ndjson";
    /** The caller's remaining budget in milliseconds when it sent the request (the deadline contract). */
    public static final String TIMEOUT_HEADER = "X-Enclave-Timeout-Ms";

    private final ModelCallService models;
    private final ObjectMapper json;

    public GenerateResource(ModelCallService models, ObjectMapper json) {
        this.models = models;
        this.json = json;
    }

    @POST
    @Path("/completions")
    public Multi<byte[]> completions(AdapterWire.GenerateRequest request, @HeaderParam(TIMEOUT_HEADER) String budget,
                                     RoutingContext routing) {
        return call(request, budget, routing);
    }

    @POST
    @Path("/chat/completions")
    public Multi<byte[]> chat(AdapterWire.GenerateRequest request, @HeaderParam(TIMEOUT_HEADER) String budget,
                              RoutingContext routing) {
        return call(request, budget, routing);
    }

    /*
     * Bytes, not Strings: Quarkus REST gives a Multi<String> without @Produces the type text/plain
     * and answers 406 to ai-gateway's Accept: application/json; a byte[] body is written as it is
     * for any Accept, under the Content-Type set below.
     */
    private Multi<byte[]> call(AdapterWire.GenerateRequest request, String budget, RoutingContext routing) {
        // the caller's budget counts from the request's arrival, before its token was verified
        Long arrival = routing.get(RequestIdFilter.ARRIVAL);
        // a malformed header is thrown here, before anything started, and answered by map() as a 422
        Deadline deadline = models.deadline(arrival == null ? System.nanoTime() : arrival, millis(budget), request);
        // this request's context: answers are delivered here, where the log context has the request id
        Context caller = Vertx.currentContext();
        Object id = MDC.get("requestId");
        String requestId = id == null ? null : id.toString();
        if (request != null && Boolean.TRUE.equals(request.stream())) {
            return RestMulti.fromUniResponse(models.stream(request, caller, requestId, deadline),
                    lines -> Multi.createFrom().publisher(lines).map(GenerateResource::utf8),
                    lines -> headers(NDJSON, requestId), lines -> 200);
        }
        Uni<byte[]> answer = models.generate(request, caller, deadline).map(this::serialized);
        return RestMulti.fromUniResponse(answer, body -> Multi.createFrom().item(body),
                body -> headers(MediaType.APPLICATION_JSON, requestId), body -> 200);
    }

    /** {@code X-Enclave-Timeout-Ms}: absent, or a positive whole number of milliseconds. */
    private static Long millis(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            long value = Long.parseLong(header.strip());
            if (value >= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new ModelCallException(ModelCallException.Kind.INVALID_REQUEST, null,
                TIMEOUT_HEADER + " must be a positive whole number of milliseconds");
    }

    private static byte[] utf8(String line) {
        return line.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private byte[] serialized(AdapterWire.GenerateResponse response) {
        try {
            return json.writeValueAsBytes(response);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("answers are plain records", e);
        }
    }

    /** Response filters do not run for a streamed answer, so the request id is echoed here. */
    private static Map<String, List<String>> headers(String contentType, String requestId) {
        return requestId == null ? Map.of("Content-Type", List.of(contentType))
                : Map.of("Content-Type", List.of(contentType), RequestIdFilter.HEADER, List.of(requestId));
    }

    @ServerExceptionMapper
    public Response map(ModelCallException e) {
        int status = switch (e.kind()) {
            case INVALID_REQUEST -> 422;
            case EGRESS_DENIED -> 403;
            case MODEL_SERVER_ERROR, UNREACHABLE -> 502;
            case TIMEOUT -> 504;
            // the model server is what is unavailable; model_server_* tells ai-gateway so (its 421)
            case CIRCUIT_OPEN, BUSY -> 503;
        };
        String error = switch (e.kind()) {
            case INVALID_REQUEST -> "invalid_request";
            case EGRESS_DENIED -> "egress_denied";
            case MODEL_SERVER_ERROR -> "model_server_error";
            case UNREACHABLE -> "model_server_unreachable";
            case TIMEOUT -> "model_server_timeout";
            case CIRCUIT_OPEN -> "model_server_circuit_open";
            case BUSY -> "model_server_busy";
        };
        Response.ResponseBuilder answer = Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(new AdapterWire.ErrorBody(error, e.getMessage(), e.modelStatus()));
        if (e.retryAfterSeconds() != null) {
            answer.header("Retry-After", e.retryAfterSeconds());
        }
        return answer.build();
    }
}
