package dev.enclave.token;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwt.consumer.JwtContext;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** What the OAuth tests do over HTTP, each creating its own applications so that tests stay independent. */
final class OAuthTestClient {

    static final String INSTANCE_ID = "instance-service";
    static final String INSTANCE_SECRET = "test-instance-secret";
    static final String REDIRECT_URI = "https://agent.example/oauth/callback";
    static final String ISSUER = "http://localhost:8080";
    /** The configured verifier client: the resource server that may introspect any token. */
    static final String VERIFIER_ID = "model-adapter";
    static final String VERIFIER_SECRET = "test-verifier-secret";

    /** Resource owners distinct per call, so that no test sees another's rows by accident. */
    private static final AtomicLong NEXT_OWNER = new AtomicLong(1000);

    record App(long id, String clientId, String secret) {
    }

    /** What one code exchange or refresh answered. */
    record Tokens(String accessToken, String refreshToken, String scope) {
    }

    private OAuthTestClient() {
    }

    static long newOwnerId() {
        return NEXT_OWNER.incrementAndGet();
    }

    static Response createApplication(Map<String, Object> body) {
        return given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET)
                .contentType(ContentType.JSON).body(body).post("/internal/v1/applications");
    }

    static App app(String scopes, boolean confidential) {
        Response created = createApplication(Map.of("name", "test app", "redirect_uri", REDIRECT_URI,
                "scopes", scopes, "confidential", confidential));
        created.then().statusCode(201);
        return new App(((Number) created.path("id")).longValue(), created.path("application_id"),
                created.path("secret"));
    }

    static App app(String scopes) {
        return app(scopes, true);
    }

    static Response requestGrant(String applicationId, long ownerId, String scopes, String redirectUri) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("application_id", applicationId);
        body.put("resource_owner_id", ownerId);
        body.put("scopes", scopes);
        body.put("redirect_uri", redirectUri);
        return given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET)
                .contentType(ContentType.JSON).body(body).post("/internal/v1/grants");
    }

    /** A grant with an RFC 7636 S256 challenge. */
    static Response requestGrantWithPkce(String applicationId, long ownerId, String scopes, String codeChallenge) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("application_id", applicationId);
        body.put("resource_owner_id", ownerId);
        body.put("scopes", scopes);
        body.put("redirect_uri", REDIRECT_URI);
        body.put("code_challenge", codeChallenge);
        body.put("code_challenge_method", "S256");
        return given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET)
                .contentType(ContentType.JSON).body(body).post("/internal/v1/grants");
    }

    /** Composite identity without a grant: {@code POST /internal/v1/composite-tokens} as the instance. */
    static Response mintComposite(String applicationId, Long ownerId, String scopes) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("application_id", applicationId);
        body.put("resource_owner_id", ownerId);
        body.put("scopes", scopes);
        return given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET)
                .contentType(ContentType.JSON).body(body).post("/internal/v1/composite-tokens");
    }

    /** A composite token minted directly (201). */
    static Tokens composite(App app, long ownerId, String scopes) {
        Response minted = mintComposite(app.clientId(), ownerId, scopes);
        minted.then().statusCode(201);
        return new Tokens(minted.path("access_token"), minted.path("refresh_token"), minted.path("scope"));
    }

    /** {@code GET /internal/v1/composite-token-events?after=} as the instance. */
    static Response compositeTokenEvents(long after) {
        return given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET)
                .queryParam("after", after).get("/internal/v1/composite-token-events");
    }

    /** Every composite token event after {@code after}, page by page. */
    static List<Map<String, Object>> compositeTokenEventsAfter(long after) {
        List<Map<String, Object>> all = new ArrayList<>();
        while (true) {
            List<Map<String, Object>> page = compositeTokenEvents(after).then().statusCode(200).extract()
                    .jsonPath().getList("events");
            all.addAll(page);
            if (page.size() < 100) {
                return all;
            }
            after = ((Number) page.get(page.size() - 1).get("id")).longValue();
        }
    }

    /** The id of the newest composite token event, 0 if there is none: where a test starts reading. */
    static long lastCompositeTokenEventId() {
        List<Map<String, Object>> all = compositeTokenEventsAfter(0);
        return all.isEmpty() ? 0 : ((Number) all.get(all.size() - 1).get("id")).longValue();
    }

    /** A random RFC 7636 code_verifier: 43 base64url characters (256 bits). */
    static String newCodeVerifier() {
        byte[] raw = new byte[32];
        new java.security.SecureRandom().nextBytes(raw);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    static String s256(String verifier) {
        try {
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(java.security.MessageDigest
                    .getInstance("SHA-256").digest(verifier.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Hex SHA-256, as the service stores codes and refresh tokens. */
    static String s256Hex(String value) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A public client's exchange: client_id in the form, no secret. */
    static Response exchangeAsPublicClient(App app, String code, String codeVerifier) {
        var request = given().formParam("client_id", app.clientId())
                .formParam("grant_type", "authorization_code").formParam("code", code)
                .formParam("redirect_uri", REDIRECT_URI);
        if (codeVerifier != null) {
            request.formParam("code_verifier", codeVerifier);
        }
        return request.post("/oauth/token");
    }

    static String code(App app, long ownerId, String scopes) {
        return requestGrant(app.clientId(), ownerId, scopes, REDIRECT_URI).then().statusCode(201)
                .extract().path("code");
    }

    static Response exchange(App app, String code) {
        return given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "authorization_code").formParam("code", code)
                .formParam("redirect_uri", REDIRECT_URI).post("/oauth/token");
    }

    static Tokens tokens(Response response) {
        response.then().statusCode(200);
        return new Tokens(response.path("access_token"), response.path("refresh_token"), response.path("scope"));
    }

    /** A fresh grant for the app, exchanged. */
    static Tokens authorize(App app, String scopes) {
        return tokens(exchange(app, code(app, newOwnerId(), scopes)));
    }

    static Response refresh(App app, String refreshToken, String scope) {
        var request = given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "refresh_token").formParam("refresh_token", refreshToken);
        if (scope != null) {
            request.formParam("scope", scope);
        }
        return request.post("/oauth/token");
    }

    static Response clientCredentials(App app, String audience) {
        return given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "client_credentials").formParam("audience", audience)
                .post("/oauth/token");
    }

    /** As the configured verifier client, which may introspect any token. */
    static Response introspect(String token) {
        return given().auth().preemptive().basic(VERIFIER_ID, VERIFIER_SECRET)
                .formParam("token", token).post("/oauth/introspect");
    }

    static boolean isActive(String token) {
        return introspect(token).then().statusCode(200).extract().<Boolean>path("active");
    }

    static Response revoke(App app, String token) {
        return given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("token", token).post("/oauth/revoke");
    }

    static Response revocations(long since) {
        return given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET)
                .queryParam("since", since).get("/internal/v1/revocations");
    }

    /**
     * Verifies an access token as a resource server would: against the published keys, RS256,
     * {@code typ: at+jwt}. The audience is checked by the caller.
     */
    static JwtContext verify(String accessToken) throws Exception {
        String jwks = given().get("/oauth/discovery/keys").asString();
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(new JsonWebKeySet(jwks).getJsonWebKeys()))
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256)
                .setExpectedType(true, "at+jwt")
                .setExpectedIssuer(ISSUER)
                .setSkipDefaultAudienceValidation()
                .setRequireJwtId().setRequireIssuedAt().setRequireExpirationTime().setRequireSubject()
                .build();
        JwtContext context = consumer.process(accessToken);
        assertThat(context.getJoseObjects().get(0).getHeader("typ")).isEqualTo("at+jwt");
        return context;
    }

    static JwtClaims claims(String accessToken) throws Exception {
        return verify(accessToken).getJwtClaims();
    }

    static String jti(String accessToken) {
        try {
            return claims(accessToken).getJwtId();
        } catch (Exception e) {
            throw new AssertionError("Not a valid access token", e);
        }
    }
}
