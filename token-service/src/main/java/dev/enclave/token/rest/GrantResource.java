package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.service.GrantIssuer;
import dev.enclave.token.service.InternalClientAuthenticator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Internal API: an authorization code made by the instance for a resource owner (composite
 * identity: a service account, with one {@code user:<id>} scope), to exchange at {@code /oauth/token}.
 */
@Path("/internal/v1/grants")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class GrantResource {

    /** {@code code_challenge} and {@code code_challenge_method} (S256): RFC 7636, required for public clients. */
    public record GrantRequest(@JsonProperty("application_id") String applicationId,
                               @JsonProperty("resource_owner_id") Long resourceOwnerId, String scopes,
                               @JsonProperty("redirect_uri") String redirectUri,
                               @JsonProperty("code_challenge") String codeChallenge,
                               @JsonProperty("code_challenge_method") String codeChallengeMethod) {
    }

    public record GrantResponse(String code, @JsonProperty("expires_in") long expiresIn) {
    }

    private final InternalClientAuthenticator clients;
    private final GrantIssuer grants;

    public GrantResource(InternalClientAuthenticator clients, GrantIssuer grants) {
        this.clients = clients;
        this.grants = grants;
    }

    @POST
    public Response create(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, GrantRequest request) {
        clients.authenticate(authorization);
        if (request == null) {
            throw OAuthException.invalidRequest(
                    "Body required: {\"application_id\", \"resource_owner_id\", \"scopes\", \"redirect_uri\"}");
        }
        GrantIssuer.IssuedCode issued = grants.create(request.applicationId(), request.resourceOwnerId(),
                request.scopes(), request.redirectUri(), request.codeChallenge(), request.codeChallengeMethod());
        return Response.status(Response.Status.CREATED)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .entity(new GrantResponse(issued.code(), issued.expiresIn()))
                .build();
    }
}
