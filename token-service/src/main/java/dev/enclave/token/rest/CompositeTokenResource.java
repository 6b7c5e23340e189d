package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.service.InternalClientAuthenticator;
import dev.enclave.token.service.OAuthTokenIssuer;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Internal API: composite identity without a grant. The instance (for an admin) mints a service
 * account's access token and refresh token for one human user directly; the answer has the shape
 * of {@code /oauth/token}'s, and the refresh token is used there like any other.
 */
@Path("/internal/v1/composite-tokens")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class CompositeTokenResource {

    /** @param scopes space-separated, with exactly one {@code user:<id>} */
    public record CompositeTokenRequest(@JsonProperty("application_id") String applicationId,
                                        @JsonProperty("resource_owner_id") Long resourceOwnerId, String scopes) {
    }

    private final InternalClientAuthenticator clients;
    private final OAuthTokenIssuer tokens;

    public CompositeTokenResource(InternalClientAuthenticator clients, OAuthTokenIssuer tokens) {
        this.clients = clients;
        this.tokens = tokens;
    }

    @POST
    public Response mint(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, CompositeTokenRequest request) {
        clients.authenticate(authorization);
        if (request == null) {
            throw OAuthException.invalidRequest(
                    "Body required: {\"application_id\", \"resource_owner_id\", \"scopes\"}");
        }
        OAuthTokenIssuer.IssuedTokens issued = tokens.mintComposite(request.applicationId(),
                request.resourceOwnerId(), request.scopes());
        return Response.status(Response.Status.CREATED)
                .entity(new TokenResource.TokenResponse(issued.accessToken(), "Bearer", issued.expiresIn(),
                        issued.refreshToken(), issued.scope(), issued.createdAt().getEpochSecond()))
                // As at the token endpoint (RFC 6749 section 5.1): nothing in between may cache tokens.
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header("Pragma", "no-cache")
                .build();
    }
}
