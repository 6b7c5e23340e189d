package dev.enclave.gateway.rest;

import dev.enclave.gateway.security.UnitPrimitiveAuthorizer;
import dev.enclave.gateway.service.CodeSuggestionService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

@Path("/v2/code")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class CodeSuggestionsResource {

    private final UnitPrimitiveAuthorizer authorizer;
    private final CodeSuggestionService suggestions;

    public CodeSuggestionsResource(UnitPrimitiveAuthorizer authorizer, CodeSuggestionService suggestions) {
        this.authorizer = authorizer;
        this.suggestions = suggestions;
    }

    @POST
    @Path("/completions")
    public CodeSuggestionWire.Response completions(CodeSuggestionWire.Request request) {
        authorizer.require("complete_code", "code completions");
        return suggestions.complete(request);
    }

    @POST
    @Path("/generations")
    public CodeSuggestionWire.Response generations(CodeSuggestionWire.Request request) {
        authorizer.require("generate_code", "code generations");
        return suggestions.generate(request);
    }
}
