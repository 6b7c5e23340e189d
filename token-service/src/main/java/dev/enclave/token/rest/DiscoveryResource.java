package dev.enclave.token.rest;

import dev.enclave.token.service.OAuthServerMetadata;
import dev.enclave.token.service.SigningKeyStore;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** OIDC discovery and the public signing keys (what verifiers fetch). */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class DiscoveryResource {

    /** Verifiers may cache keys this long; far shorter than the life of a token. */
    public static final int JWKS_MAX_AGE_SECONDS = 300;

    private final OAuthServerMetadata metadata;
    private final SigningKeyStore keys;

    public DiscoveryResource(OAuthServerMetadata metadata, SigningKeyStore keys) {
        this.metadata = metadata;
        this.keys = keys;
    }

    /**
     * No {@code authorization_endpoint}: grants are made programmatically through the internal
     * API, so the document advertises only what exists.
     */
    @GET
    @Path(".well-known/openid-configuration")
    public Map<String, Object> openIdConfiguration() {
        String issuer = metadata.issuer();
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("issuer", issuer);
        document.put("jwks_uri", issuer + "/oauth/discovery/keys");
        document.putAll(metadata.discoveryMembers());
        document.put("subject_types_supported", List.of("public"));
        document.put("id_token_signing_alg_values_supported", List.of("RS256"));
        return document;
    }

    @GET
    @Path("oauth/discovery/keys")
    public Response keys() {
        String json = new JsonWebKeySet(keys.publishedKeys()).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        return Response.ok(json).header(HttpHeaders.CACHE_CONTROL, "public, max-age=" + JWKS_MAX_AGE_SECONDS).build();
    }
}
