package dev.enclave.instance;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** Real RS256 OAuth access tokens shaped like token-service's (RFC 9068), signed by a test-only key. */
public final class TestOAuthTokens {

    public static final String ISSUER = "http://localhost:8080";
    public static final RsaJsonWebKey KEY = generate();
    /** jti -> expiry (epoch seconds) that the fake token-service lists as revoked. */
    static final Map<String, Long> REVOKED = new ConcurrentHashMap<>();

    private TestOAuthTokens() {
    }

    private static RsaJsonWebKey generate() {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId(key.calculateBase64urlEncodedThumbprint("SHA-256"));
            key.setAlgorithm("RS256");
            key.setUse("sig");
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The key set the fake token-service publishes: token-service's JWKS contract's example
     * ({@code instance-service/token-service.jwks.json}) with {@link #KEY}'s parameters in its
     * fields, so that the instance verifies tokens against exactly the fields token-service is
     * verified to publish.
     */
    static String jwks() {
        java.util.Map<String, String> parameters = new java.util.HashMap<>();
        KEY.toParams(JsonWebKey.OutputControlLevel.PUBLIC_ONLY).forEach((name, value) -> parameters.put(name, String.valueOf(value)));
        return dev.enclave.contracts.ContractVerifier.exampleResponseBody(dev.enclave.contracts.Contracts.get(
                "instance-service", "token-service", "the published signing keys (JWKS)"), parameters);
    }

    /** token-service's discovery document, from its contract's example, naming this test's issuer and the fake's introspection endpoint. */
    static String discovery(String fakeBase) {
        return dev.enclave.contracts.ContractVerifier.exampleResponseBody(dev.enclave.contracts.Contracts.get(
                "instance-service", "token-service", "the OIDC discovery document"),
                java.util.Map.of("issuer", ISSUER, "introspection-endpoint", fakeBase + "/oauth/introspect"));
    }

    static String revocationsJson() {
        StringBuilder out = new StringBuilder("{\"revocations\":[");
        REVOKED.forEach((jti, exp) -> out.append(out.charAt(out.length() - 1) == '[' ? "" : ",")
                .append("{\"jti\":\"").append(jti).append("\",\"expires_at\":").append(exp).append('}'));
        return out.append("],\"now\":0}").toString();
    }

    public static String accessToken(long ownerId, String scope) {
        return accessToken(ownerId, scope, c -> { });
    }

    public static String accessToken(long ownerId, String scope, Consumer<JwtClaims> change) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setSubject(String.valueOf(ownerId));
        claims.setAudience(ISSUER);
        claims.setClaim("client_id", "test-client");
        claims.setClaim("scope", scope);
        claims.setJwtId(UUID.randomUUID().toString());
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(120);
        change.accept(claims);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setKeyIdHeaderValue(KEY.getKeyId());
        jws.setHeader("typ", "at+jwt");
        jws.setKey(KEY.getPrivateKey());
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    static String jti(String jwt) throws Exception {
        return JwtClaims.parse(new String(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[1]))).getJwtId();
    }
}
