package dev.enclave.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Graceful shutdown refuses new work: once Quarkus' shutdown delay (readiness DOWN) has passed,
 * a new request gets 503 {@code {"detail":"ai-gateway is shutting down"}} and
 * {@code Connection: close} before authentication, while health endpoints answer and a stream
 * that was already going runs to its end. During the delay requests are still served.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
@TestProfile(ShutdownDrainTest.ShortDelay.class)
class ShutdownDrainTest {

    public static class ShortDelay implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.shutdown.delay", "1S");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Event<ShutdownDelayInitiatedEvent> shutdownDelay;

    private static Response complete() {
        return given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(List.of("complete_code")))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(CodeCompletionsAuthTest.BODY)
                .post("/v2/code/completions");
    }

    @Test
    void afterTheShutdownDelayNewRequestsAreRefusedAndInFlightStreamsFinish() throws Exception {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo("/adapter/v1/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"text\":\"return a + b\",\"finish_reason\":\"stop\",\"model\":\"codestral-22b\"}")));
        CountDownLatch release = new CountDownLatch(1);
        FakeStreamingAdapter.script("draining").delta("a").await(release).delta("b").done("stop");
        String streamed = JSON.writeValueAsString(Map.of(
                "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    "),
                "model_provider", "litellm",
                "model_endpoint", "http://127.0.0.1:9/v1",
                "model_identifier", "custom_openai/draining",
                "model_name", "codestral",
                "stream", true));

        try (RawHttp stream = RawHttp.post("/v2/code/completions", List.of("complete_code"), streamed)) {
            assertThat(stream.status).isEqualTo(200);

            long fired = System.nanoTime();
            shutdownDelay.fire(new ShutdownDelayInitiatedEvent());
            // within the delay (load balancers still route for a moment) a request is served
            Response during = complete();
            if (System.nanoTime() - fired < TimeUnit.MILLISECONDS.toNanos(900)) {
                during.then().statusCode(200).body("choices[0].text", equalTo("return a + b"));
            }

            Thread.sleep(Math.max(0, 1_100 - (System.nanoTime() - fired) / 1_000_000));
            Response refused = complete();
            refused.then().statusCode(503).body("detail", equalTo("ai-gateway is shutting down"))
                    .header("Connection", equalTo("close"));
            // refused before authentication: no token needed to learn it
            given().contentType(ContentType.JSON).body("{}").post("/v2/code/completions")
                    .then().statusCode(503).body("detail", equalTo("ai-gateway is shutting down"));
            given().get("/monitoring/healthz").then().statusCode(200);
            given().get("/q/health/live").then().statusCode(200);
            given().get("/monitoring/ready").then().statusCode(503).body("reason", equalTo("shutting down"));

            // the stream that was going when shutdown began still runs to its end
            release.countDown();
            assertThat(new String(stream.readRest(), StandardCharsets.UTF_8)).isEqualTo("ab");
        }
    }
}
