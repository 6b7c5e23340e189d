package dev.enclave.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.metrics.AiRequestMetrics;
import dev.enclave.gateway.prompt.PromptRegistry;
import dev.enclave.gateway.security.Caller;
import dev.enclave.gateway.security.UnitPrimitiveAuthorizer;
import dev.enclave.gateway.service.FeaturePromptService;
import dev.enclave.gateway.service.ModelConfigurationCheck;
import dev.enclave.support.http.RequestIdFilter;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestMulti;

import java.util.Optional;

/**
 * GitLab's prompt API. Prompt ids contain a slash that instances send encoded
 * ({@code model_configuration%2Fcheck}), so the id takes the rest of the path. The model
 * configuration check needs the {@code complete_code} unit primitive, like GitLab's; the feature
 * prompts of the registry ({@code chat/explain_code}, {@code chat/write_tests},
 * {@code chat/refactor_code}, {@code chat/fix_code}, {@code chat/troubleshoot_job},
 * {@code generate_commit_message}, {@code summarize_new_merge_request}) each need their own (403
 * {@code "Unauthorized to access '<id>'"}), and answer 422 naming the inputs they miss. Any other
 * id: 404. With {@code stream: true} the model's reply comes as raw text, as code suggestions stream.
 */
@Path("/v1/prompts")
@Consumes(MediaType.APPLICATION_JSON)
public class PromptsResource {

    static final String CHECK_PRIMITIVE = "complete_code";

    private final UnitPrimitiveAuthorizer authorizer;
    private final ModelConfigurationCheck check;
    private final ObjectMapper json;
    private final GatewayConfig config;
    private final PromptRegistry registry;
    private final FeaturePromptService features;
    private final AiRequestMetrics metrics;

    public PromptsResource(UnitPrimitiveAuthorizer authorizer, ModelConfigurationCheck check, ObjectMapper json,
                           GatewayConfig config, PromptRegistry registry, FeaturePromptService features,
                           AiRequestMetrics metrics) {
        this.metrics = metrics;
        this.registry = registry;
        this.features = features;
        this.authorizer = authorizer;
        this.check = check;
        this.json = json;
        this.config = config;
    }

    /** Answers the model's text as a JSON string, as GitLab's gateway does. */
    @POST
    @Path("/{promptId: .+}")
    public RestMulti<byte[]> invoke(@PathParam("promptId") String promptId, PromptWire.Request request,
                                    @Context HttpServerResponse response) {
        String requestId = RequestIdFilter.current();
        Deadline deadline = DeadlineFilter.current(config.defaultTimeout());
        Uni<Replies.Reply> reply;
        Optional<PromptRegistry.FeaturePrompt> feature = registry.feature(promptId);
        if (feature.isPresent()) {
            PromptRegistry.FeaturePrompt prompt = feature.get();
            // a feature's prompt is an AI request of that feature (the model-configuration check below is not)
            AiRequestMetrics.Observation observation = metrics.start(prompt.unitPrimitive());
            Uni<Caller> caller = authorizer.require(prompt.unitPrimitive(), "'" + promptId + "'");
            reply = request != null && Boolean.TRUE.equals(request.stream())
                    ? caller.map(c -> Replies.Reply.stream(Replies.EVENT_STREAM,
                            features.stream(prompt, request, c, requestId, deadline, observation)))
                    : caller.chain(c -> features.invoke(prompt, request, c, requestId, deadline, observation))
                            .map(text -> Replies.Reply.json(json, TextNode.valueOf(text)));
            return Replies.of(reply, requestId, response, observation);
        } else if (!ModelConfigurationCheck.PROMPT_ID.equals(promptId)) {
            reply = Uni.createFrom().failure(GatewayException.notFound("Prompt '" + promptId + "' not found"));
        } else if (request != null && Boolean.TRUE.equals(request.stream())) {
            reply = authorizer.require(CHECK_PRIMITIVE, "'" + promptId + "'")
                    .map(caller -> Replies.Reply.stream(Replies.EVENT_STREAM,
                            check.stream(request, caller, requestId, deadline)));
        } else {
            reply = authorizer.require(CHECK_PRIMITIVE, "'" + promptId + "'")
                    .chain(caller -> check.check(request, caller, requestId, deadline))
                    .map(text -> Replies.Reply.json(json, TextNode.valueOf(text)));
        }
        return Replies.of(reply, requestId, response);
    }
}
