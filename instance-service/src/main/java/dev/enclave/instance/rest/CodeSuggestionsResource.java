package dev.enclave.instance.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.security.RequiredScopes;
import dev.enclave.instance.service.CodeSuggestionsService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.IOException;

@Path("/api/v4/code_suggestions")
@RequiredScopes({"api", "ai_features"})
public class CodeSuggestionsResource {

    private final CodeSuggestionsService suggestions;
    private final CurrentUser currentUser;
    private final ObjectMapper json;

    public CodeSuggestionsResource(CodeSuggestionsService suggestions, CurrentUser currentUser, ObjectMapper json) {
        this.suggestions = suggestions;
        this.currentUser = currentUser;
        this.json = json;
    }

    @POST
    @Path("/completions")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response completions(byte[] raw) throws IOException {
        JsonNode body = raw.length == 0 ? null : json.readTree(raw);
        if (!(body instanceof ObjectNode object)) {
            throw ApiException.badRequest("current_file is missing");
        }
        // With composite identity the AI feature is used for the human, whose seat counts.
        var actor = currentUser.actor();
        CodeSuggestionsService.Forwarded answer = suggestions.complete(
                actor.isComposite() ? actor.scopedUser() : actor.user(), object, raw.length);
        return Response.status(answer.status()).type(answer.contentType()).entity(answer.body()).build();
    }
}
