package dev.enclave.gateway;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

/**
 * Readiness tells the truth: the gateway starts while token-service withholds its key set, is not
 * ready (both probes) while it has no keys to verify tokens with, keeps trying on its own (no
 * request needed), and is ready, and verifies tokens, once the keys are published. Liveness stays
 * up throughout. When shutdown begins, readiness goes down first.
 */
@QuarkusTest
@TestProfile(ReadinessTest.WithoutKeysAtStart.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadinessTest {

    public static class WithoutKeysAtStart implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.gateway.keys.initial-backoff", "PT0.2S",
                    "enclave.gateway.keys.max-backoff", "PT0.5S");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KeylessIssuer.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            // FakeIssuerAndAdapter would publish the keys from the start
            return true;
        }
    }

    @Inject
    Event<ShutdownDelayInitiatedEvent> shutdownDelay;

    @Test
    @Order(1)
    void withoutVerificationKeysTheGatewayIsAliveButNotReady() {
        given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'ai-gateway' }.data.verification_keys", equalTo("unavailable"))
                .body("checks.find { it.name == 'ai-gateway' }.data.verification_keys_failed_attempts",
                        greaterThanOrEqualTo(1));
        given().get("/monitoring/ready").then().statusCode(503).body("status", equalTo("unavailable"))
                .body("reason", equalTo("no token verification keys from token-service yet"));
        given().get("/monitoring/healthz").then().statusCode(200).body("status", equalTo("ok"));
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    @Order(2)
    void onceTheKeysArePublishedItBecomesReadyByItselfAndVerifiesTokens() throws Exception {
        KeylessIssuer.publishKeys();

        // no request is needed: the gateway retries on its own (every 0.5 s at most here)
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (given().get("/monitoring/ready").statusCode() != 200 && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        given().get("/monitoring/ready").then().statusCode(200).body("status", equalTo("ok"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'ai-gateway' }.data.verification_keys", equalTo("loaded"))
                .body("checks.find { it.name == 'ai-gateway' }.data.model_adapter_circuit_breaker", equalTo("CLOSED"));

        KeylessIssuer.server.stubFor(post(urlEqualTo("/adapter/v1/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"text\":\"return a + b\",\"finish_reason\":\"stop\",\"model\":\"codestral-22b\"}")));
        given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(List.of("complete_code")))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(CodeCompletionsAuthTest.BODY)
                .post("/v2/code/completions")
                .then().statusCode(200).body("choices[0].text", equalTo("return a + b"));
        // and a token signed with a key token-service never published is still refused
        given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.sign(TestTokens.UNKNOWN,
                        TestTokens.claims(List.of("complete_code"))))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(CodeCompletionsAuthTest.BODY)
                .post("/v2/code/completions")
                .then().statusCode(401);
    }

    @Test
    @Order(3)
    void whenShutdownBeginsReadinessGoesDownFirst() {
        given().get("/monitoring/ready").then().statusCode(200);

        // what Quarkus fires on SIGTERM when quarkus.shutdown.delay-enabled, before it stops taking requests
        shutdownDelay.fire(new ShutdownDelayInitiatedEvent());

        given().get("/monitoring/ready").then().statusCode(503).body("reason", equalTo("shutting down"));
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'ai-gateway' }.data.shutting_down", equalTo(true));
        given().get("/monitoring/healthz").then().statusCode(200);
    }
}
