package dev.enclave.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.security.UnitPrimitiveAuthorizer;
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

/**
 * GitLab's prompt API. Prompt ids contain a slash that instances send encoded
 * ({@code model_configuration%2Fcheck}), so the id takes the rest of the path. Only the model
 * configuration check exists here; like GitLab's, it needs the {@code complete_code} unit primitive.
 * With {@code stream: true} the model's reply comes as raw text, as code suggestions stream.
 */
@Path("/v1/prompts")
@Consumes(MediaType.APPLICATION_JSON)
public class PromptsResource {

    static final String CHECK_PRIMITIVE = "complete_code";

    private final UnitPrimitiveAuthorizer authorizer;
    private final ModelConfigurationCheck check;
    private final ObjectMapper json;
    private final GatewayConfig config;

    public PromptsResource(UnitPrimitiveAuthorizer authorizer, ModelConfigurationCheck check, ObjectMapper json,
                           GatewayConfig config) {
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
        if (!ModelConfigurationCheck.PROMPT_ID.equals(promptId)) {
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
