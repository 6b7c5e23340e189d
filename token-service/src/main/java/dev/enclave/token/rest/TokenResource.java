package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.service.ClientAuthThrottle;
import dev.enclave.token.service.ClientCredentials;
import io.vertx.core.http.HttpServerRequest;
import dev.enclave.token.service.OAuthTokenIssuer;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
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
    private final ClientAuthThrottle throttle;

    public TokenResource(OAuthTokenIssuer tokens, ClientAuthThrottle throttle) {
        this.tokens = tokens;
        this.throttle = throttle;
    }

    @POST
    public Response token(@Context HttpServerRequest http, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                          @FormParam("client_id") String clientId, @FormParam("client_secret") String clientSecret,
                          @FormParam("grant_type") String grantType, @FormParam("code") String code,
                          @FormParam("redirect_uri") String redirectUri,
                          @FormParam("code_verifier") String codeVerifier,
                          @FormParam("refresh_token") String refreshToken, @FormParam("scope") String scope,
                          @FormParam("audience") String audience, @FormParam("resource") String resource) {
        OAuthTokenIssuer.TokenRequest request = new OAuthTokenIssuer.TokenRequest(grantType, code, redirectUri,
                codeVerifier, refreshToken, scope, audience, resource);
        OAuthTokenIssuer.IssuedTokens issued = throttle.authenticate(CallerAddress.of(http),
                () -> ClientCredentials.from(authorization, clientId, clientSecret),
                credentials -> tokens.issue(credentials, request));
        return Response.ok(new TokenResponse(issued.accessToken(), "Bearer", issued.expiresIn(),
                        issued.refreshToken(), issued.scope(), issued.createdAt().getEpochSecond()))
                // RFC 6749 section 5.1: tokens must not be cached by anything in between.
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .header("Pragma", "no-cache")
                .build();
    }
}
