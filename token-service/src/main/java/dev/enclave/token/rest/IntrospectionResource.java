package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.service.ClientAuthThrottle;
import dev.enclave.token.service.ClientCredentials;
import io.vertx.core.http.HttpServerRequest;
import dev.enclave.token.service.TokenIntrospector;
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

/** RFC 7662 introspection, for the configured verifier client and confidential applications (their own tokens). */
@Path("/oauth/introspect")
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
@Produces(MediaType.APPLICATION_JSON)
public class IntrospectionResource {

    /** Only {@code active} for a token that is not active (RFC 7662 section 2.2). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record IntrospectionResponse(boolean active, String scope, @JsonProperty("client_id") String clientId,
                                        String sub, String aud, String iss, Long exp, Long iat, String jti,
                                        @JsonProperty("token_type") String tokenType) {

        static final IntrospectionResponse INACTIVE =
                new IntrospectionResponse(false, null, null, null, null, null, null, null, null, null);

        static IntrospectionResponse of(TokenIntrospector.ActiveToken token) {
            return new IntrospectionResponse(true, token.scope(), token.clientId(), token.subject(), token.audience(),
                    token.issuer(), token.expiresAt().getEpochSecond(), token.issuedAt().getEpochSecond(),
                    token.jti(), token.tokenType());
        }
    }

    private final TokenIntrospector introspector;
    private final ClientAuthThrottle throttle;

    public IntrospectionResource(TokenIntrospector introspector, ClientAuthThrottle throttle) {
        this.introspector = introspector;
        this.throttle = throttle;
    }

    /**
     * The configured verifier client may introspect any token; a confidential application only its
     * own (anything else answers {@code {"active": false}}, RFC 7662 section 2.2).
     */
    @POST
    public Response introspect(@Context HttpServerRequest http,
                               @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                               @FormParam("client_id") String clientId,
                               @FormParam("client_secret") String clientSecret,
                               @FormParam("token") String token) {
        IntrospectionResponse answer = throttle.authenticate(CallerAddress.of(http),
                        () -> ClientCredentials.from(authorization, clientId, clientSecret),
                        credentials -> introspector.introspect(credentials, token))
                .map(IntrospectionResponse::of).orElse(IntrospectionResponse.INACTIVE);
        return Response.ok(answer).header(HttpHeaders.CACHE_CONTROL, "no-store").build();
    }
}
