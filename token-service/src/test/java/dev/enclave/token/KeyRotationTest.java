package dev.enclave.token;

import dev.enclave.token.service.SigningKeyStore;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

/**
 * Rotation publishes before it signs (issue 12, finding 9): the new key is in the JWKS at once and
 * signs only after {@code publish-delay} (6 min, more than the JWKS max-age of 300 s); the old one
 * stays published until its last token has expired.
 */
@QuarkusTest
class KeyRotationTest {

    static final Duration PUBLISH_DELAY = Duration.ofMinutes(6);

    @Inject
    TestClock clock;

    @Inject
    SigningKeyStore store;

    /** Leaves no rotation pending for the next test: its key starts signing, then time is real again. */
    @AfterEach
    void finishPendingRotationAndResetClock() {
        clock.advance(PUBLISH_DELAY.plusSeconds(1));
        store.maintain();
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
    void aRotatedKeyIsPublishedAtOnceSignsAfterThePublishDelayAndTheOldOneStaysUntilItsTokensExpire()
            throws Exception {
        String before = mint();
        Instant rotatedAt = clock.instant();
        Map<String, String> rotation = rotate();
        assertThat(rotation.get("previous_kid")).isEqualTo(kid(before));
        String next = rotation.get("kid");
        assertThat(Duration.between(rotatedAt, Instant.parse(rotation.get("signs_from"))))
                .isBetween(PUBLISH_DELAY.minusSeconds(2), PUBLISH_DELAY.plusSeconds(2));

        // Published, not signing: the old key still signs, also after a key check.
        assertThat(publishedKids()).contains(kid(before), next);
        assertThat(kid(mint())).isEqualTo(kid(before));
        clock.advance(PUBLISH_DELAY.minusSeconds(5));
        store.maintain();
        String lastOfTheOldKey = mint();
        assertThat(kid(lastOfTheOldKey)).isEqualTo(kid(before));

        // Its time has come: the next key check promotes it.
        clock.advance(Duration.ofSeconds(10));
        store.maintain();
        String after = mint();
        assertThat(kid(after)).isEqualTo(next);
        verifyAgainstPublishedKeys(lastOfTheOldKey);
        verifyAgainstPublishedKeys(after);

        // While any token the old key can have signed may still be valid (the longest lifetime is
        // an OAuth access token's, 2 h, plus one check interval) it stays published ...
        clock.advance(Duration.ofMinutes(59));
        verifyAgainstPublishedKeys(lastOfTheOldKey);
        clock.advance(Duration.ofMinutes(61));
        assertThat(publishedKids()).contains(kid(before));

        // ... and after that it is gone, so nothing it signed verifies any more.
        clock.advance(Duration.ofSeconds(61));
        assertThat(publishedKids()).doesNotContain(kid(before)).contains(kid(after));
        assertThatThrownBy(() -> verifyAgainstPublishedKeys(lastOfTheOldKey)).isInstanceOf(InvalidJwtException.class);
    }

    /**
     * A verifier that fetched the key set just before a rotation and caches it for its full
     * max-age never meets a kid outside it; the set it fetches next holds the new key.
     */
    @Test
    void aVerifierCachingTheKeySetForItsMaxAgeNeverMeetsAnUnknownKid() throws Exception {
        var fetched = given().get("/oauth/discovery/keys").then().statusCode(200).extract();
        Matcher maxAge = Pattern.compile("max-age=(\\d+)").matcher(fetched.header("Cache-Control"));
        assertThat(maxAge.find()).isTrue();
        Duration cachedFor = Duration.ofSeconds(Long.parseLong(maxAge.group(1)));
        List<String> cached = fetched.path("keys.kid");
        Instant fetchedAt = clock.instant();

        String next = rotate().get("kid");
        assertThat(cached).doesNotContain(next);

        for (Duration elapsed = Duration.ZERO; elapsed.compareTo(cachedFor) <= 0; elapsed = elapsed.plusSeconds(30)) {
            clock.advance(Duration.between(clock.instant(), fetchedAt.plus(elapsed)));
            store.maintain();
            assertThat(kid(mint())).as("minted %s after the fetch", elapsed).isIn(cached);
        }
        List<String> refetched = publishedKids();
        clock.advance(PUBLISH_DELAY);
        store.maintain();
        assertThat(kid(mint())).isEqualTo(next).isIn(refetched);
    }

    @Test
    void aSecondRotationWhileOneIsPendingIsAConflict() {
        String next = rotate().get("kid");
        given().auth().preemptive().basic("instance-service", "test-instance-secret")
                .post("/internal/v1/keys/rotate").then().statusCode(409)
                .body("error", equalTo("rotation_pending"))
                .body("error_description", org.hamcrest.Matchers.startsWith("Key " + next + " is already published"));
    }

    @Test
    void scheduledMaintenanceRotatesADueKeyAndDeletesKeysNoTokenNeeds() throws Exception {
        String old = kid(mint());
        store.maintain();
        assertThat(kid(mint())).as("not due yet").isEqualTo(old);

        // The interval counts from when the key started signing (a previous test's key: up to a
        // publish delay after real time).
        clock.advance(Duration.ofDays(30).plus(PUBLISH_DELAY));
        store.maintain();
        assertThat(kid(mint())).as("the next key is published, not signing yet").isEqualTo(old);
        clock.advance(PUBLISH_DELAY);
        store.maintain();
        String rotated = kid(mint());
        assertThat(rotated).isNotEqualTo(old);
        assertThat(publishedKids()).contains(old, rotated);

        clock.advance(Duration.ofHours(3));
        store.maintain();
        List<String> stored = given().auth().preemptive().basic("instance-service", "test-instance-secret")
                .get("/internal/v1/keys").then().statusCode(200).extract().path("kid");
        assertThat(stored).doesNotContain(old).contains(rotated);
    }

    @Test
    void keyListingShowsStatesButNoPrivateMaterial() {
        String signing = given().auth().preemptive().basic("instance-service", "test-instance-secret")
                .get("/internal/v1/keys").then().extract().path("find { it.active }.kid");
        String next = rotate().get("kid");
        var listing = given().auth().preemptive().basic("instance-service", "test-instance-secret")
                .get("/internal/v1/keys").then().statusCode(200).extract();
        assertThat(listing.<List<Boolean>>path("findAll { it.active }.active")).hasSize(1);
        assertThat(listing.<String>path("find { it.kid == '" + signing + "' }.state")).isEqualTo("signing");
        assertThat(listing.<String>path("find { it.kid == '" + next + "' }.state")).isEqualTo("next");
        assertThat(listing.<Boolean>path("find { it.kid == '" + next + "' }.published")).isTrue();
        assertThat(listing.<Boolean>path("find { it.kid == '" + next + "' }.active")).isFalse();
        assertThat(listing.<String>path("find { it.kid == '" + next + "' }.signs_from")).isNotBlank();
        String body = listing.asString();
        assertThat(body).doesNotContain("\"d\"").doesNotContain("private");
    }

    @Test
    void rotationNeedsTheInstanceClient() {
        given().auth().preemptive().basic("instance-service", "wrong").post("/internal/v1/keys/rotate")
                .then().statusCode(401);
        given().post("/internal/v1/keys/rotate").then().statusCode(401);
    }
}
