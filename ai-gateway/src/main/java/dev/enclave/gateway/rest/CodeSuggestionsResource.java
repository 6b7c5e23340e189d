package dev.enclave.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.metrics.AiRequestMetrics;
import dev.enclave.gateway.security.Caller;
import dev.enclave.gateway.security.UnitPrimitiveAuthorizer;
import dev.enclave.gateway.service.CodeSuggestionService;
import dev.enclave.support.http.RequestIdFilter;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestMulti;

import java.util.function.BiFunction;

/**
 * Code completions and generations. Without {@code stream} the answer is GitLab's JSON; with
 * {@code stream: true} it is the raw generated text under {@code text/event-stream}, written piece
 * by piece as the model produces it. Runs on the event loop: no thread waits for the model.
 */
@Path("/v2/code")
@Consumes(MediaType.APPLICATION_JSON)
public class CodeSuggestionsResource {

    private final UnitPrimitiveAuthorizer authorizer;
    private final CodeSuggestionService suggestions;
    private final ObjectMapper json;
    private final GatewayConfig config;
    private final AiRequestMetrics metrics;

    public CodeSuggestionsResource(UnitPrimitiveAuthorizer authorizer, CodeSuggestionService suggestions,
                                   ObjectMapper json, GatewayConfig config, AiRequestMetrics metrics) {
        this.metrics = metrics;
        this.authorizer = authorizer;
        this.suggestions = suggestions;
        this.json = json;
        this.config = config;
    }

    @POST
    @Path("/completions")
    public RestMulti<byte[]> completions(CodeSuggestionWire.Request request, @Context HttpServerResponse response) {
        return answer(request, response, "complete_code", "code completions", suggestions::prepareCompletion);
    }

    @POST
    @Path("/generations")
    public RestMulti<byte[]> generations(CodeSuggestionWire.Request request, @Context HttpServerResponse response) {
        return answer(request, response, "generate_code", "code generations", suggestions::prepareGeneration);
    }

    private RestMulti<byte[]> answer(CodeSuggestionWire.Request request, HttpServerResponse response, String primitive,
                                     String capability,
                                     BiFunction<CodeSuggestionWire.Request, Caller, CodeSuggestionService.Prepared> prepare) {
        String requestId = RequestIdFilter.current();
        Deadline deadline = DeadlineFilter.current(config.defaultTimeout());
        boolean stream = request != null && Boolean.TRUE.equals(request.stream());
        AiRequestMetrics.Observation observation = metrics.start(primitive);
        Uni<Replies.Reply> reply = authorizer.require(primitive, capability)
                .map(caller -> prepare.apply(request, caller))
                .invoke(prepared -> observation.model(prepared.model().name()))
                .chain(prepared -> stream
                        ? Uni.createFrom().item(Replies.Reply.stream(Replies.EVENT_STREAM,
                                suggestions.stream(prepared, requestId, deadline, observation)))
                        : suggestions.answer(prepared, requestId, deadline, observation)
                                .map(answer -> Replies.Reply.json(json, answer)));
        return Replies.of(reply, requestId, response, observation);
    }
}
