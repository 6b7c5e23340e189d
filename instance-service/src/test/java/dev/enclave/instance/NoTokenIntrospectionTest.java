package dev.enclave.instance;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12 #5: tokens are JWTs verified against token-service's keys, never introspected. Bearers
 * that are not JWTs, or JWTs signed by a key token-service does not publish, are a plain 401 and
 * cause no call to the {@code introspection_endpoint} that token-service's discovery advertises
 * (here at the fake, which counts them), even with the client credentials quarkus-oidc would
 * introspect with configured ({@link SecurityTestProfile}).
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
@io.quarkus.test.junit.TestProfile(SecurityTestProfile.class)
class NoTokenIntrospectionTest {

    @jakarta.inject.Inject
    TestData data;

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        // An introspection that would vouch for anything: a call here would be both an outbound
        // request an anonymous caller can trigger and a way in.
        FakeTokenServiceAndGateway.server.stubFor(post(urlPathEqualTo("/oauth/introspect")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"active\":true,\"sub\":\"1\",\"scope\":\"api\",\"aud\":\"" + TestOAuthTokens.ISSUER
                        + "\",\"iss\":\"" + TestOAuthTokens.ISSUER + "\"}")));
    }

    @Test
    void opaqueBearersAndForeignKeysAreRefusedWithoutIntrospection() throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        for (int i = 0; i < 100; i++) {
            // Three dot-separated parts (so not taken for a personal access token), but not a JWS.
            String opaque = b64.encodeToString(("opaque-" + i).getBytes()) + "." + UUID.randomUUID() + "."
                    + UUID.randomUUID();
            given().auth().oauth2(opaque).get("/api/v4/user").then().statusCode(401);
        }
        given().auth().oauth2(foreignKeyToken()).get("/api/v4/user").then().statusCode(401);

        // A genuine token still works (the verification itself is unchanged).
        long user = data.user(dev.enclave.instance.domain.User.ACTIVE).id;
        given().auth().oauth2(TestOAuthTokens.accessToken(user, "read_user")).get("/api/v4/user").then()
                .statusCode(200);
        assertThat(FakeTokenServiceAndGateway.server.findAll(anyRequestedFor(urlPathEqualTo("/oauth/introspect"))))
                .as("calls to token-service's /oauth/introspect").isEmpty();
        // Positive control: the fake does record requests from this instance (the key set was read).
        assertThat(FakeTokenServiceAndGateway.server.getAllServeEvents()).isNotEmpty();
    }

    /** A well-formed RS256 token with a kid token-service never published. */
    private static String foreignKeyToken() throws Exception {
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("unknown-" + UUID.randomUUID());
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(TestOAuthTokens.ISSUER);
        claims.setSubject("1");
        claims.setAudience(TestOAuthTokens.ISSUER);
        claims.setClaim("scope", "api");
        claims.setJwtId(UUID.randomUUID().toString());
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(10);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setKey(key.getPrivateKey());
        return jws.getCompactSerialization();
    }
}
