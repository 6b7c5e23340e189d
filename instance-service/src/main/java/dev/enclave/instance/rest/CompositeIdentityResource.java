package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.service.CompositeGrants;
import dev.enclave.instance.service.CompositeTokens;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Admin: the two ways to a token for a composite-identity service account acting for one human
 * user. {@code oauth_grants}: a grant, answered as token-service's {@code {"code", "expires_in"}},
 * to exchange at {@code POST /oauth/token} (for third-party integrations). {@code oauth_tokens}:
 * the access and refresh token directly, answered as {@code /oauth/token} answers.
 */
@Path("/api/v4/service_accounts/{id}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class CompositeIdentityResource {

    public record CreateGrant(@JsonProperty("application_id") String applicationId,
                              @JsonProperty("user_id") Long userId, String scopes,
                              @JsonProperty("redirect_uri") String redirectUri) {
    }

    /** @param scopes space-separated, with exactly one {@code user:<id>}, e.g. {@code "api user:42"} */
    public record CreateToken(@JsonProperty("application_id") String applicationId, String scopes) {
    }

    private final CurrentUser currentUser;
    private final CompositeGrants grants;
    private final CompositeTokens tokens;

    public CompositeIdentityResource(CurrentUser currentUser, CompositeGrants grants, CompositeTokens tokens) {
        this.currentUser = currentUser;
        this.grants = grants;
        this.tokens = tokens;
    }

    @POST
    @Path("oauth_grants")
    public Response createGrant(@PathParam("id") long serviceAccountId, CreateGrant body) {
        currentUser.requireAdmin();
        CreateGrant request = UsersResource.require(body);
        CompositeGrants.Grant grant = grants.create(currentUser.actor(), serviceAccountId, request.applicationId(),
                request.userId(), request.scopes(), request.redirectUri());
        return Response.status(grant.status()).type(MediaType.APPLICATION_JSON).entity(grant.body()).build();
    }

    @POST
    @Path("oauth_tokens")
    public Response createToken(@PathParam("id") long serviceAccountId, CreateToken body) {
        currentUser.requireAdmin();
        CreateToken request = UsersResource.require(body);
        CompositeTokens.Minted minted = tokens.mint(serviceAccountId, request.applicationId(), request.scopes());
        return Response.status(Response.Status.CREATED).type(MediaType.APPLICATION_JSON).entity(minted.body())
                // As /oauth/token answers (RFC 6749 section 5.1): nothing in between may cache tokens.
                .header(HttpHeaders.CACHE_CONTROL, "no-store").header("Pragma", "no-cache")
                .build();
    }
}
