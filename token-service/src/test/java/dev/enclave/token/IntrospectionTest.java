package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.enclave.token.OAuthTestClient.ISSUER;
import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.authorize;
import static dev.enclave.token.OAuthTestClient.claims;
import static dev.enclave.token.OAuthTestClient.introspect;
import static dev.enclave.token.OAuthTestClient.isActive;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
class IntrospectionTest {

    @Inject
    TestClock clock;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void anActiveAccessTokenIsDescribed() throws Exception {
        OAuthTestClient.App app = app("api user:*");
        OAuthTestClient.Tokens tokens = authorize(app, "api user:42");
        JwtClaims claims = claims(tokens.accessToken());

        introspect(tokens.accessToken()).then().statusCode(200)
                .header("Cache-Control", equalTo("no-store"))
                .body("active", equalTo(true))
                .body("scope", equalTo("api user:42"))
                .body("client_id", equalTo(app.clientId()))
                .body("sub", equalTo(claims.getSubject()))
                .body("aud", equalTo(ISSUER))
                .body("iss", equalTo(ISSUER))
                .body("exp", equalTo((int) claims.getExpirationTime().getValue()))
                .body("iat", equalTo((int) claims.getIssuedAt().getValue()))
                .body("jti", equalTo(claims.getJwtId()))
                .body("token_type", equalTo("Bearer"));
    }

    @Test
    void anActiveRefreshTokenIsDescribedWithoutAudience() throws Exception {
        OAuthTestClient.App app = app("api");
        OAuthTestClient.Tokens tokens = authorize(app, "api");

        introspect(tokens.refreshToken()).then().statusCode(200)
                .body("active", equalTo(true))
                .body("scope", equalTo("api"))
                .body("client_id", equalTo(app.clientId()))
                .body("sub", equalTo(claims(tokens.accessToken()).getSubject()))
                .body("iss", equalTo(ISSUER))
                .body("aud", nullValue())
                .body("token_type", equalTo("refresh_token"));
    }

    @Test
    void anExpiredAccessTokenIsInactive() {
        OAuthTestClient.App app = app("api");
        OAuthTestClient.Tokens tokens = authorize(app, "api");

        // Slack below exp: iat is truncated to the second, so the token may be nearly a second old already.
        clock.advance(Duration.ofSeconds(7190));
        assertThat(isActive(tokens.accessToken())).isTrue();
        clock.advance(Duration.ofSeconds(11));
        introspect(tokens.accessToken()).then().statusCode(200).body("$", aMapWithSize(1)).body("active", equalTo(false));
    }

    @Test
    void anExpiredRefreshTokenIsInactive() {
        OAuthTestClient.App app = app("api");
        OAuthTestClient.Tokens tokens = authorize(app, "api");

        clock.advance(Duration.ofDays(30).plusSeconds(1));

        assertThat(isActive(tokens.refreshToken())).isFalse();
    }

    @Test
    void unknownTokensAreInactive() {
        assertThat(isActive("no-such-token")).isFalse();
        assertThat(isActive("a.b.c")).isFalse();
    }

    @Test
    void aTamperedTokenIsInactive() {
        OAuthTestClient.App app = app("read_api");
        String token = authorize(app, "read_api").accessToken();
        String[] parts = token.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"read_api\"", "\"api\"");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];

        assertThat(isActive(token)).isTrue();
        assertThat(isActive(tampered)).isFalse();
    }

    @Test
    void anUnsignedTokenIsInactive() throws Exception {
        OAuthTestClient.App app = app("api");
        String token = authorize(app, "api").accessToken();

        JsonWebSignature unsigned = new JsonWebSignature();
        unsigned.setPayload(claims(token).toJson());
        unsigned.setAlgorithmHeaderValue(AlgorithmIdentifiers.NONE);
        unsigned.setHeader("typ", "at+jwt");
        unsigned.setAlgorithmConstraints(AlgorithmConstraints.NO_CONSTRAINTS);

        assertThat(isActive(unsigned.getCompactSerialization())).isFalse();
    }

    @Test
    void aTokenHmacSignedWithThePublicKeyIsInactive() throws Exception {
        OAuthTestClient.App app = app("api");
        String token = authorize(app, "api").accessToken();
        String kid = OAuthTestClient.verify(token).getJoseObjects().get(0).getKeyIdHeaderValue();
        PublicJsonWebKey published = (PublicJsonWebKey) new JsonWebKeySet(given().get("/oauth/discovery/keys").asString())
                .findJsonWebKey(kid, null, null, null);

        for (byte[] secret : List.of(published.getPublicKey().getEncoded(),
                published.toJson().getBytes(StandardCharsets.UTF_8))) {
            JsonWebSignature forged = new JsonWebSignature();
            forged.setPayload(claims(token).toJson());
            forged.setAlgorithmHeaderValue(AlgorithmIdentifiers.HMAC_SHA256);
            forged.setKeyIdHeaderValue(kid);
            forged.setHeader("typ", "at+jwt");
            forged.setKey(new HmacKey(secret));
            assertThat(isActive(forged.getCompactSerialization())).isFalse();
        }
    }

    @Test
    void aSelfIssuedAiTokenIsNotAnAccessToken() {
        String aiToken = given().auth().preemptive().basic(OAuthTestClient.INSTANCE_ID, OAuthTestClient.INSTANCE_SECRET)
                .contentType(ContentType.JSON)
                .body(Map.of("instance_id", UUID.randomUUID().toString(), "scopes", List.of("complete_code")))
                .post("/internal/v1/ai-tokens").then().statusCode(200).extract().path("token");

        assertThat(isActive(aiToken)).isFalse();
    }

    static Response introspectAs(OAuthTestClient.App caller, String token) {
        return given().auth().preemptive().basic(caller.clientId(), caller.secret()).formParam("token", token)
                .post("/oauth/introspect");
    }

    /** Issue 12, finding 8: an application sees only its own tokens; the verifier client sees any. */
    @Test
    void anApplicationIntrospectsOnlyItsOwnTokens() {
        OAuthTestClient.App owner = app("api user:*");
        OAuthTestClient.Tokens tokens = authorize(owner, "api user:42");
        OAuthTestClient.App other = app("read_api");

        introspectAs(owner, tokens.accessToken()).then().statusCode(200).body("active", equalTo(true))
                .body("scope", equalTo("api user:42"));
        introspectAs(owner, tokens.refreshToken()).then().statusCode(200).body("active", equalTo(true));

        // Another application learns nothing, not even that the token exists (RFC 7662 section 2.2).
        for (String token : List.of(tokens.accessToken(), tokens.refreshToken())) {
            introspectAs(other, token).then().statusCode(200).body("$", aMapWithSize(1))
                    .body("active", equalTo(false));
        }

        given().auth().preemptive().basic("model-adapter", "test-verifier-secret").formParam("token",
                tokens.accessToken()).post("/oauth/introspect").then().statusCode(200).body("active", equalTo(true))
                .body("client_id", equalTo(owner.clientId()));
    }

    /**
     * The instance's static secret also opens /internal/*; the public endpoint does not take it
     * (instance-service verifies tokens itself, with the JWKS and the revocation list).
     */
    @Test
    void theInstanceSecretIsNotAcceptedAtThePublicIntrospectionEndpoint() {
        String token = authorize(app("api"), "api").accessToken();
        given().auth().preemptive().basic(OAuthTestClient.INSTANCE_ID, OAuthTestClient.INSTANCE_SECRET)
                .formParam("token", token).post("/oauth/introspect")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void publicAndUnauthenticatedClientsMayNot() {
        String token = authorize(app("api"), "api").accessToken();
        OAuthTestClient.App publicClient = app("api", false);
        Response asPublic = given().formParam("client_id", publicClient.clientId()).formParam("token", token)
                .post("/oauth/introspect");
        asPublic.then().statusCode(401).body("error", equalTo("invalid_client"));
        given().formParam("token", token).post("/oauth/introspect").then().statusCode(401);
        given().auth().preemptive().basic(OAuthTestClient.INSTANCE_ID, "wrong").formParam("token", token)
                .post("/oauth/introspect").then().statusCode(401);
    }
}
