package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.service.ClientCredentials;
import dev.enclave.token.service.OAuthTokenIssuer;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** RFC 6749 token endpoint, answering in GitLab's shape. */
@Path("/oauth/token")
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
@Produces(MediaType.APPLICATION_JSON)
public class TokenResource {

    /** @param refreshToken absent for client_credentials */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TokenResponse(@JsonProperty("access_token") String accessToken,
                                @JsonProperty("token_type") String tokenType,
                                @JsonProperty("expires_in") long expiresIn,
                                @JsonProperty("refresh_token") String refreshToken,
                                String scope,
                                @JsonProperty("created_at") long createdAt) {
    }

    private final OAuthTokenIssuer tokens;

    public TokenResource(OAuthTokenIssuer tokens) {
        this.tokens = tokens;
    }

    @POST
    public Response token(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                          @FormParam("client_id") String clientId, @FormParam("client_secret") String clientSecret,
                          @FormParam("grant_type") String grantType, @FormParam("code") String code,
                          @FormParam("redirect_uri") String redirectUri,
                          @FormParam("refresh_token") String refreshToken, @FormParam("scope") String scope,
                          @FormParam("audience") String audience, @FormParam("resource") String resource) {
        ClientCredentials credentials = ClientCredentials.from(authorization, clientId, clientSecret);
        OAuthTokenIssuer.IssuedTokens issued = tokens.issue(credentials,
                new OAuthTokenIssuer.TokenRequest(grantType, code, redirectUri, refreshToken, scope, audience, resource));
        return Response.ok(new TokenResponse(issued.accessToken(), "Bearer", issued.expiresIn(),
                        issued.refreshToken(), issued.scope(), issued.createdAt().getEpochSecond()))
                // RFC 6749 section 5.1: tokens must not be cached by anything in between.
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header("Pragma", "no-cache")
                .build();
    }
}
