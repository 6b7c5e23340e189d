package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@QuarkusTest
class KeyRotationTest {

    @Inject
    TestClock clock;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    static String mint() {
        return given().auth().preemptive().basic("instance-service", "test-instance-secret")
                .contentType(ContentType.JSON)
                .body(Map.of("instance_id", UUID.randomUUID().toString(), "scopes", List.of("complete_code")))
                .post("/internal/v1/ai-tokens").then().statusCode(200).extract().path("token");
    }

    static Map<String, String> rotate() {
        return given().auth().preemptive().basic("instance-service", "test-instance-secret")
                .post("/internal/v1/keys/rotate").then().statusCode(201).extract().as(Map.class);
    }

    static List<String> publishedKids() {
        return given().get("/oauth/discovery/keys").then().statusCode(200).extract().path("keys.kid");
    }

    /** Verifies against what is published now, at the test clock's time. */
    void verifyAgainstPublishedKeys(String token) throws Exception {
        String jwks = given().get("/oauth/discovery/keys").asString();
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(new JsonWebKeySet(jwks).getJsonWebKeys()))
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256)
                .setExpectedAudience("gitlab-ai-gateway")
                .setEvaluationTime(org.jose4j.jwt.NumericDate.fromMilliseconds(clock.millis()))
                .build();
        consumer.processToClaims(token);
    }

    static String kid(String jwt) throws Exception {
        return org.jose4j.jws.JsonWebSignature.fromCompactSerialization(jwt).getKeyIdHeaderValue();
    }

    @Test
    void newKeySignsAtOnceAndTheOldOneStaysPublishedUntilItsTokensExpire() throws Exception {
        String before = mint();
        Map<String, String> rotation = rotate();
        assertThat(rotation.get("previous_kid")).isEqualTo(kid(before));
        String after = mint();

        assertThat(kid(after)).isEqualTo(rotation.get("kid")).isNotEqualTo(kid(before));
        assertThat(publishedKids()).contains(kid(before), kid(after));
        verifyAgainstPublishedKeys(before);
        verifyAgainstPublishedKeys(after);

        // While any token it can have signed may still be valid (the longest lifetime is an OAuth
        // access token's, 2 h, plus one check interval) it stays published ...
        clock.advance(Duration.ofMinutes(59));
        verifyAgainstPublishedKeys(before);
        clock.advance(Duration.ofMinutes(61));
        assertThat(publishedKids()).contains(kid(before));

        // ... and after that it is gone, so nothing it signed verifies any more.
        clock.advance(Duration.ofSeconds(61));
        assertThat(publishedKids()).doesNotContain(kid(before)).contains(kid(after));
        assertThatThrownBy(() -> verifyAgainstPublishedKeys(before)).isInstanceOf(InvalidJwtException.class);
    }

    @Inject
    dev.enclave.token.service.SigningKeyStore store;

    @Test
    void scheduledMaintenanceRotatesADueKeyAndDeletesKeysNoTokenNeeds() throws Exception {
        String old = kid(mint());
        store.maintain();
        assertThat(kid(mint())).as("not due yet").isEqualTo(old);

        clock.advance(Duration.ofDays(30));
        store.maintain();
        String rotated = kid(mint());
        assertThat(rotated).isNotEqualTo(old);
        assertThat(publishedKids()).contains(old);

        clock.advance(Duration.ofHours(3));
        store.maintain();
        List<String> stored = given().auth().preemptive().basic("instance-service", "test-instance-secret")
                .get("/internal/v1/keys").then().statusCode(200).extract().path("kid");
        assertThat(stored).doesNotContain(old).contains(rotated);
    }

    @Test
    void keyListingShowsStatesButNoPrivateMaterial() {
        rotate();
        String body = given().auth().preemptive().basic("instance-service", "test-instance-secret")
                .get("/internal/v1/keys").then().statusCode(200).extract().asString();
        assertThat(body).contains("\"active\":true").contains("\"retired_at\"").doesNotContain("\"d\"")
                .doesNotContain("private");
    }

    @Test
    void rotationNeedsTheInstanceClient() {
        given().auth().preemptive().basic("instance-service", "wrong").post("/internal/v1/keys/rotate")
                .then().statusCode(401);
        given().post("/internal/v1/keys/rotate").then().statusCode(401);
    }
}
