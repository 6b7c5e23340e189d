package dev.enclave.gateway;

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
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Test-only signing keys and real RS256 tokens shaped like token-service's self-issued ones: the
 * claims come from the contract token-service's build verifies its minted tokens against
 * (../contracts, {@code ai-gateway/token-service.ai-token-claims.json}), with fresh times, this
 * test's instance id and the scopes asked for. A claim renamed on token-service's side changes that
 * contract, and with it every token these tests send.
 */
public final class TestTokens {

    public static final String ISSUER = "http://localhost:8080";
    public static final String INSTANCE_ID = "4c1d8bd4-7f6a-4bb8-9d39-3a1c1f5e2b10";
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
     * ({@code ai-gateway/token-service.jwks.json}) with {@link #PUBLISHED}'s parameters in its
     * fields, so that the gateway verifies tokens against exactly the fields token-service is
     * verified to publish.
     */
    public static String jwks() {
        Map<String, String> parameters = new HashMap<>();
        PUBLISHED.toParams(JsonWebKey.OutputControlLevel.PUBLIC_ONLY).forEach((name, value) -> parameters.put(name, String.valueOf(value)));
        return ContractVerifier.exampleResponseBody(Contracts.get("ai-gateway", "token-service",
                "the published signing keys (JWKS)"), parameters);
    }

    /** token-service's discovery document, from its contract's example, naming this test's issuer and the fake's introspection endpoint. */
    public static String discovery(String fakeBase) {
        return ContractVerifier.exampleResponseBody(Contracts.get("ai-gateway", "token-service",
                "the OIDC discovery document"), Map.of("issuer", ISSUER, "introspection-endpoint", fakeBase + "/oauth/introspect"));
    }

    static final Contract.Jwt CONTRACT = Contracts.get("ai-gateway", "token-service",
            "the self-issued AI token the gateway verifies").response().jwt();

    public static JwtClaims claims(List<String> scopes) {
        JwtClaims claims;
        try {
            claims = JwtClaims.parse(CONTRACT.claims().toString().replace("{{instance-id}}", INSTANCE_ID));
        } catch (InvalidJwtException e) {
            throw new IllegalStateException("the contract's example claims are not a claim set", e);
        }
        claims.setJwtId(UUID.randomUUID().toString());
        claims.setIssuer(ISSUER);
        claims.setIssuedAtToNow();
        claims.setNotBeforeMinutesInThePast(0.1f);
        claims.setExpirationTimeMinutesInTheFuture(60);
        claims.setStringListClaim("scopes", scopes);
        return claims;
    }

    public static String valid(List<String> scopes) {
        return sign(PUBLISHED, claims(scopes));
    }

    public static String valid(List<String> scopes, Consumer<JwtClaims> change) {
        JwtClaims claims = claims(scopes);
        change.accept(claims);
        return sign(PUBLISHED, claims);
    }

    public static String sign(RsaJsonWebKey key, JwtClaims claims) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setHeader("typ", "JWT");
        jws.setKey(key.getPrivateKey());
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code alg: none}: header and claims, empty signature. */
    public static String unsigned(List<String> scopes) {
        String header = "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"" + PUBLISHED.getKeyId() + "\"}";
        return b64(header) + "." + b64(claims(scopes).toJson()) + ".";
    }

    /** The classic key-confusion attack: HS256 with the published RSA public key as the HMAC secret. */
    public static String hmacWithPublicKey(List<String> scopes) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims(scopes).toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
        jws.setKeyIdHeaderValue(PUBLISHED.getKeyId());
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
