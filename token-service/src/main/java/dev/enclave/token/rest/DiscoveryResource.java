package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.service.SigningKeyStore;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;

import java.util.List;

/** OIDC discovery and the public signing keys (what verifiers fetch). */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class DiscoveryResource {

    /** Verifiers may cache keys this long; far shorter than the life of a token. */
    static final int JWKS_MAX_AGE_SECONDS = 300;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OpenIdConfiguration(
            String issuer,
            @JsonProperty("jwks_uri") String jwksUri,
            @JsonProperty("response_types_supported") List<String> responseTypesSupported,
            @JsonProperty("subject_types_supported") List<String> subjectTypesSupported,
            @JsonProperty("id_token_signing_alg_values_supported") List<String> idTokenSigningAlgValuesSupported) {
    }

    private final TokenServiceConfig config;
    private final SigningKeyStore keys;

    public DiscoveryResource(TokenServiceConfig config, SigningKeyStore keys) {
        this.config = config;
        this.keys = keys;
    }

    @GET
    @Path(".well-known/openid-configuration")
    public OpenIdConfiguration openIdConfiguration() {
        String issuer = stripTrailingSlash(config.issuer());
        return new OpenIdConfiguration(issuer, issuer + "/oauth/discovery/keys", List.of("code"),
                List.of("public"), List.of("RS256"));
    }

    @GET
    @Path("oauth/discovery/keys")
    public Response keys() {
        String json = new JsonWebKeySet(keys.publishedKeys()).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        return Response.ok(json).header(HttpHeaders.CACHE_CONTROL, "public, max-age=" + JWKS_MAX_AGE_SECONDS).build();
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
