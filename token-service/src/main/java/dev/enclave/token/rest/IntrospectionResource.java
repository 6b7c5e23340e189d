package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.service.ClientCredentials;
import dev.enclave.token.service.TokenIntrospector;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** RFC 7662 introspection, for the suite's resource servers and confidential clients. */
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

    public IntrospectionResource(TokenIntrospector introspector) {
        this.introspector = introspector;
    }

    @POST
    public Response introspect(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                               @FormParam("client_id") String clientId,
                               @FormParam("client_secret") String clientSecret,
                               @FormParam("token") String token) {
        IntrospectionResponse answer = introspector
                .introspect(ClientCredentials.from(authorization, clientId, clientSecret), token)
                .map(IntrospectionResponse::of).orElse(IntrospectionResponse.INACTIVE);
        return Response.ok(answer).header(HttpHeaders.CACHE_CONTROL, "no-store").build();
    }
}
