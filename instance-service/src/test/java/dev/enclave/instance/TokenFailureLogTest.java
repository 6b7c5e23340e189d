package dev.enclave.instance;

import dev.enclave.instance.domain.User;
import dev.enclave.support.testing.LogCapture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12 #15 (instance part): with DEBUG turned on for the security code and quarkus-oidc, a
 * refused OAuth token leaves no trace of its claims or of the token itself in the log; the DEBUG
 * line that does appear (the positive control) says only why.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
@TestProfile(SecurityTestProfile.class)
class TokenFailureLogTest {

    @Inject
    TestData data;

    LogCapture capture;

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        capture = LogCapture.everything();
    }

    @AfterEach
    void tearDown() {
        capture.close();
    }

    @Test
    void refusedTokensLogNeitherClaimsNorTokens() throws Exception {
        User user = data.user(User.ACTIVE);
        String marker = "claim-marker-" + UUID.randomUUID();
        List<String> refused = List.of(
                TestOAuthTokens.accessToken(user.id, "api", c -> {
                    c.setClaim("email", marker + "@example.com");
                    c.setExpirationTimeMinutesInTheFuture(-10);
                }),
                TestOAuthTokens.accessToken(user.id, "api", c -> {
                    c.setClaim("email", marker + "@example.com");
                    c.setAudience("https://elsewhere/" + marker);
                }),
                TestOAuthTokens.accessToken(user.id, "api", c -> {
                    c.setClaim("email", marker + "@example.com");
                    c.setIssuer("https://issuer/" + marker);
                }),
                foreignKeyToken(marker));
        for (String token : refused) {
            given().auth().oauth2(token).get("/api/v4/user").then().statusCode(401);
        }

        List<String> lines = capture.lines();
        // Positive control: the handler captured the DEBUG line of each refusal.
        assertThat(lines).filteredOn(l -> l.contains("OAuth token refused")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(lines).noneMatch(l -> l.contains(marker));
        for (String token : refused) {
            String signature = token.substring(token.lastIndexOf('.') + 1);
            String payload = token.split("\\.")[1];
            assertThat(lines).noneMatch(l -> l.contains(signature) || l.contains(payload));
        }
    }

    private static String foreignKeyToken(String marker) throws Exception {
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("unknown-" + UUID.randomUUID());
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(TestOAuthTokens.ISSUER);
        claims.setSubject("1");
        claims.setAudience(TestOAuthTokens.ISSUER);
        claims.setClaim("email", marker + "@example.com");
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
