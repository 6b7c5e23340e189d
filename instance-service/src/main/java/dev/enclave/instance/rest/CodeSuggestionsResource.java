package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.domain.Project;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.security.Actor;
import dev.enclave.instance.security.Authorizer;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.security.RequiredScopes;
import dev.enclave.instance.service.CodeSuggestionsService;
import dev.enclave.instance.service.DirectAccess;
import dev.enclave.instance.service.FeatureRouter;
import dev.enclave.instance.service.Licensing;
import dev.enclave.support.http.RequestIdFilter;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.RestMulti;

@Path("/api/v4/code_suggestions")
@RequiredScopes({"api", "ai_features"})
public class CodeSuggestionsResource {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DirectAccessView(@JsonProperty("base_url") String baseUrl, String token,
                                   @JsonProperty("expires_at") long expiresAt, Map<String, String> headers,
                                   @JsonProperty("model_details") Map<String, String> modelDetails) {
    }

    public record TokenView(@JsonProperty("access_token") String accessToken, @JsonProperty("expires_in") long expiresIn,
                            @JsonProperty("created_at") long createdAt) {
    }

    public record EnabledRequest(@JsonProperty("project_path") String projectPath) {
    }

    private final CodeSuggestionsService suggestions;
    private final DirectAccess directAccess;
    private final FeatureRouter router;
    private final Licensing licensing;
    private final Authorizer authorizer;
    private final CurrentUser currentUser;
    private final ObjectMapper json;

    public CodeSuggestionsResource(CodeSuggestionsService suggestions, DirectAccess directAccess, FeatureRouter router,
                                   Licensing licensing, Authorizer authorizer,
                                   CurrentUser currentUser, ObjectMapper json) {
        this.suggestions = suggestions;
        this.directAccess = directAccess;
        this.router = router;
        this.licensing = licensing;
        this.authorizer = authorizer;
        this.currentUser = currentUser;
        this.json = json;
    }

    /**
     * Runs its checks on a worker ({@code @Blocking}: token, licence, routing, validation), then
     * returns at once; the worker is free while the gateway works. The answer is the gateway's
     * status and content type with its body passed through piece by piece: the whole JSON for a
     * plain request, the raw text chunks as they arrive for {@code stream: true}. No
     * {@code @Produces}: a {@link RestMulti} without one is written as raw bytes (never as SSE
     * frames), under the content type set here.
     */
    @POST
    @Path("/completions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Blocking
    public Multi<byte[]> completions(byte[] raw) throws IOException {
        JsonNode body = raw.length == 0 ? null : json.readTree(raw);
        if (!(body instanceof ObjectNode object)) {
            throw ApiException.badRequest("current_file is missing");
        }
        Uni<CodeSuggestionsService.Forwarded> answer = suggestions.complete(aiUser(), object, raw.length);
        Object requestId = MDC.get("requestId");
        return RestMulti.fromUniResponse(answer, CodeSuggestionsService.Forwarded::body, forwarded -> {
            Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
            headers.put("Content-Type", List.of(forwarded.contentType()));
            if (requestId != null) {
                headers.put(RequestIdFilter.HEADER, List.of(requestId.toString()));
            }
            return headers;
        }, CodeSuggestionsService.Forwarded::status);
    }

    @POST
    @Path("/direct_access")
    @Produces(MediaType.APPLICATION_JSON)
    public Response directAccess() {
        DirectAccess.Grant grant = directAccess.grant(aiUser());
        return Response.status(Response.Status.CREATED)
                .entity(new DirectAccessView(grant.baseUrl(), grant.token(), grant.expiresAt(), grant.headers(),
                        grant.modelDetails())).build();
    }

    /**
     * Older clients: a token, its lifetime in seconds ({@code expires_in}) and when it was issued
     * ({@code created_at}), as GitLab's {@code CodeSuggestionsAccessToken} entity: the client renews
     * at {@code created_at + expires_in}, the token's own {@code exp}.
     */
    @POST
    @Path("/tokens")
    @Produces(MediaType.APPLICATION_JSON)
    public Response tokens() {
        TokenServiceClient.AiToken token = directAccess.userToken(aiUser());
        return Response.status(Response.Status.CREATED).entity(new TokenView(token.token(), token.lifetimeSeconds(),
                token.issuedAt().getEpochSecond())).build();
    }

    /** 200 when code suggestions are available for the project, 403 when not, 404 when it is unknown to the caller. */
    @POST
    @Path("/enabled")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response enabled(EnabledRequest body) {
        EnabledRequest request = UsersResource.require(body);
        if (request.projectPath() == null || request.projectPath().isBlank()) {
            throw ApiException.badRequest("project_path is missing");
        }
        Project project = Project.findByFullPath(request.projectPath()).orElseThrow(() -> ApiException.notFound("Project"));
        authorizer.authorize(currentUser.actor(), Authorizer.ProjectAction.READ, project);
        if (!licensing.mayUseDuo(aiUser()) || router.route("code_completions") instanceof FeatureRouter.Route.Disabled) {
            throw ApiException.forbidden(null);
        }
        return Response.ok().build();
    }

    /** With composite identity the AI feature is used for the human, whose seat counts. */
    private User aiUser() {
        Actor actor = currentUser.actor();
        return actor.isComposite() ? actor.scopedUser() : actor.user();
    }
}
