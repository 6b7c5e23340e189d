package dev.enclave.gateway.rest;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.enclave.gateway.security.UnitPrimitiveAuthorizer;
import dev.enclave.gateway.service.ModelConfigurationCheck;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Map;

/**
 * GitLab's prompt API. Prompt ids contain a slash that instances send encoded
 * ({@code model_configuration%2Fcheck}), so the id takes the rest of the path. Only the model
 * configuration check exists here; like GitLab's, it needs the {@code complete_code} unit primitive.
 */
@Path("/v1/prompts")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class PromptsResource {

    static final String CHECK_PRIMITIVE = "complete_code";

    private final UnitPrimitiveAuthorizer authorizer;
    private final ModelConfigurationCheck check;

    public PromptsResource(UnitPrimitiveAuthorizer authorizer, ModelConfigurationCheck check) {
        this.authorizer = authorizer;
        this.check = check;
    }

    /** Answers the model's text as a JSON string, as GitLab's gateway does. */
    @POST
    @Path("/{promptId: .+}")
    public Response invoke(@PathParam("promptId") String promptId, PromptWire.Request request) {
        if (!ModelConfigurationCheck.PROMPT_ID.equals(promptId)) {
            return Response.status(Response.Status.NOT_FOUND).type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("detail", "Prompt '" + promptId + "' not found")).build();
        }
        authorizer.require(CHECK_PRIMITIVE, "'" + promptId + "'");
        return Response.ok(TextNode.valueOf(check.check(request)), MediaType.APPLICATION_JSON).build();
    }
}
