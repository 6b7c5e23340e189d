package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.service.CompositeGrants;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Admin: an OAuth grant for a composite-identity service account acting for one human user.
 * The answer is token-service's: {@code {"code", "expires_in"}}, to exchange at
 * {@code POST /oauth/token} with {@code grant_type=authorization_code}.
 */
@Path("/api/v4/service_accounts/{id}/oauth_grants")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class CompositeIdentityResource {

    public record CreateGrant(@JsonProperty("application_id") String applicationId,
                              @JsonProperty("user_id") Long userId, String scopes,
                              @JsonProperty("redirect_uri") String redirectUri) {
    }

    private final CurrentUser currentUser;
    private final CompositeGrants grants;

    public CompositeIdentityResource(CurrentUser currentUser, CompositeGrants grants) {
        this.currentUser = currentUser;
        this.grants = grants;
    }

    @POST
    public Response create(@PathParam("id") long serviceAccountId, CreateGrant body) {
        currentUser.requireAdmin();
        CreateGrant request = UsersResource.require(body);
        CompositeGrants.Grant grant = grants.create(currentUser.actor(), serviceAccountId, request.applicationId(),
                request.userId(), request.scopes(), request.redirectUri());
        return Response.status(grant.status()).type(MediaType.APPLICATION_JSON).entity(grant.body()).build();
    }
}
