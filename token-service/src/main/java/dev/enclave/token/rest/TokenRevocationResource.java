package dev.enclave.token.rest;

import dev.enclave.token.service.ClientAuthThrottle;
import dev.enclave.token.service.ClientCredentials;
import io.vertx.core.http.HttpServerRequest;
import dev.enclave.token.service.TokenRevoker;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

/**
 * RFC 7009 revocation. {@code token_type_hint} is accepted and not needed: a refresh token is
 * found by its digest, anything else is tried as an access token.
 */
@Path("/oauth/revoke")
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
@Produces(MediaType.APPLICATION_JSON)
public class TokenRevocationResource {

    private final TokenRevoker revoker;
    private final ClientAuthThrottle throttle;

    public TokenRevocationResource(TokenRevoker revoker, ClientAuthThrottle throttle) {
        this.revoker = revoker;
        this.throttle = throttle;
    }

    /** 200 {@code {}} whether or not there was anything to revoke, as RFC 7009 section 2.2 asks. */
    @POST
    public Map<String, Object> revoke(@Context HttpServerRequest http,
                                      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                                      @FormParam("client_id") String clientId,
                                      @FormParam("client_secret") String clientSecret,
                                      @FormParam("token") String token) {
        return throttle.authenticate(CallerAddress.of(http),
                () -> ClientCredentials.from(authorization, clientId, clientSecret),
                credentials -> {
                    revoker.revoke(credentials, token);
                    return Map.of();
                });
    }
}
