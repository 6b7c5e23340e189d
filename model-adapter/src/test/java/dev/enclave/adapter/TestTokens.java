package dev.enclave.adapter;

import dev.enclave.contracts.Contract;
import dev.enclave.contracts.ContractVerifier;
import dev.enclave.contracts.Contracts;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.keys.HmacKey;
import org.jose4j.lang.JoseException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Test-only signing keys and real RS256 access tokens shaped like the ones token-service issues to
 * ai-gateway for model-adapter ({@code client_credentials}, RFC 9068).
 */
public final class TestTokens {

    public static final String ISSUER = "http://localhost:8080";
    public static final String CLIENT = "ai-gateway";
    public static final RsaJsonWebKey PUBLISHED = generate();
    /** Same shape, never published: tokens it signs must be refused. */
    public static final RsaJsonWebKey UNKNOWN = generate();

    private TestTokens() {
    }

    private static RsaJsonWebKey generate() {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId(key.calculateBase64urlEncodedThumbprint("SHA-256"));
            key.setUse("sig");
            key.setAlgorithm("RS256");
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The key set the fake token-service publishes: token-service's JWKS contract's example
     * ({@code model-adapter/token-service.jwks.json}) with {@link #PUBLISHED}'s parameters in its
     * fields, so that the adapter verifies tokens against exactly the fields token-service is
     * verified to publish.
     */
    public static String jwks() {
        Map<String, String> parameters = new HashMap<>();
        PUBLISHED.toParams(JsonWebKey.OutputControlLevel.PUBLIC_ONLY).forEach((name, value) -> parameters.put(name, String.valueOf(value)));
        return ContractVerifier.exampleResponseBody(Contracts.get("model-adapter", "token-service",
                "the published signing keys (JWKS)"), parameters);
    }

    /** token-service's discovery document, from its contract's example, naming this test's issuer and the fake's introspection endpoint. */
    public static String discovery(String fakeBase) {
        return ContractVerifier.exampleResponseBody(Contracts.get("model-adapter", "token-service",
                "the OIDC discovery document"), Map.of("issuer", ISSUER, "introspection-endpoint", fakeBase + "/oauth/introspect"));
    }

    static final Contract.Jwt CONTRACT = Contracts.get("model-adapter", "token-service",
            "the access token ai-gateway presents to model-adapter").response().jwt();

    /**
     * The claims of the contract token-service's build verifies its client-credentials tokens
     * against (../contracts, {@code model-adapter/token-service.gateway-access-token.json}), with
     * this test's issuer, a fresh jti and fresh times.
     */
    public static JwtClaims claims() {
        JwtClaims claims;
        try {
            claims = JwtClaims.parse(CONTRACT.claims().toString());
        } catch (InvalidJwtException e) {
            throw new IllegalStateException("the contract's example claims are not a claim set", e);
        }
        claims.setIssuer(ISSUER);
        claims.setJwtId(UUID.randomUUID().toString());
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(120);
        return claims;
    }

    public static String valid() {
        return sign(PUBLISHED, claims(), "at+jwt");
    }

    public static String valid(Consumer<JwtClaims> change) {
        JwtClaims claims = claims();
        change.accept(claims);
        return sign(PUBLISHED, claims, "at+jwt");
    }

    public static String sign(RsaJsonWebKey key, JwtClaims claims, String type) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setHeader("typ", type);
        jws.setKey(key.getPrivateKey());
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code alg: none}: header and claims, empty signature. */
    public static String unsigned() {
        String header = "{\"alg\":\"none\",\"typ\":\"at+jwt\",\"kid\":\"" + PUBLISHED.getKeyId() + "\"}";
        return b64(header) + "." + b64(claims().toJson()) + ".";
    }

    /** The classic key-confusion attack: HS256 with the published RSA public key as the HMAC secret. */
    public static String hmacWithPublicKey() {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims().toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        jws.setKeyIdHeaderValue(PUBLISHED.getKeyId());
        jws.setHeader("typ", "at+jwt");
        jws.setKey(new HmacKey(PUBLISHED.getPublicKey().getEncoded()));
        jws.setDoKeyValidation(false);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
