package dev.enclave.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's AI request series after real requests (against the scripted model-adapter of
 * {@link StreamingTest}): the outcome, the model and the feature labels, the time to the first
 * chunk, the tokens from the model's usage; and the Prometheus scrape at {@code /q/metrics}.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class AiRequestMetricsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    MeterRegistry registry;

    private static String codeRequest(String identifier) throws Exception {
        return JSON.writeValueAsString(Map.of(
                "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    "),
                "model_provider", "litellm",
                "model_endpoint", "http://127.0.0.1:9/v1",
                "model_identifier", "custom_openai/" + identifier,
                "model_name", "codestral",
                "stream", true));
    }

    private static String chatRequest(String identifier) throws Exception {
        return JSON.writeValueAsString(Map.of(
                "messages", List.of(Map.of("role", "user", "content", "How do I revert a commit?")),
                "model_metadata", Map.of("provider", "litellm", "name", "mistral", "endpoint", "http://127.0.0.1:9/v1",
                        "api_key", "k", "identifier", "custom_openai/" + identifier)));
    }

    /** The request's meters are updated when its answer has ended, which may be just after the client read it. */
    private static <T> T eventually(Supplier<T> meter) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        T found = meter.get();
        while (found == null && System.nanoTime() < until) {
            Thread.sleep(20);
            found = meter.get();
        }
        return found;
    }

    private Counter requests(String feature, String model, String outcome) throws InterruptedException {
        return eventually(() -> registry.find("enclave.ai.requests")
                .tags("feature", feature, "model", model, "outcome", outcome).counter());
    }

    @Test
    void aStreamedCompletionCountsItsOutcomeDurationFirstChunkAndTokens() throws Exception {
        FakeStreamingAdapter.script("metrics-ok").delta("return ").delta("a + b").done("stop");

        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"),
                codeRequest("metrics-ok"))) {
            assertThat(response.status).isEqualTo(200);
            response.readRest();
        }

        String model = "metrics-ok";
        assertThat(requests("complete_code", model, "success")).isNotNull()
                .extracting(Counter::count).isEqualTo(1.0);
        Timer duration = registry.find("enclave.ai.request.duration")
                .tags("feature", "complete_code", "model", model, "outcome", "success").timer();
        assertThat(duration).isNotNull();
        assertThat(duration.count()).isEqualTo(1);
        Timer firstChunk = registry.find("enclave.ai.time.to.first.chunk")
                .tags("feature", "complete_code", "model", model).timer();
        assertThat(firstChunk).isNotNull();
        assertThat(firstChunk.count()).isEqualTo(1);
        assertThat(firstChunk.totalTime(TimeUnit.NANOSECONDS)).isLessThanOrEqualTo(
                duration.totalTime(TimeUnit.NANOSECONDS));
        // the fake adapter's done event reports 3 prompt tokens and 2 completion tokens
        assertThat(registry.find("enclave.ai.input.tokens").tags("feature", "complete_code", "model", model)
                .counter().count()).isEqualTo(3.0);
        assertThat(registry.find("enclave.ai.output.tokens").tags("feature", "complete_code", "model", model)
                .counter().count()).isEqualTo(2.0);
    }

    @Test
    void aChatThatBreaksOffAfterItsFirstChunkIsCountedAsBrokenOff() throws Exception {
        FakeStreamingAdapter.script("metrics-broken").delta("Use ")
                .error("model_server_error", "model server broke off");

        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"), chatRequest("metrics-broken"))) {
            assertThat(response.status).isEqualTo(200);
            response.readRest();
        }

        assertThat(requests("duo_chat", "metrics-broken", "broken_off")).isNotNull()
                .extracting(Counter::count).isEqualTo(1.0);
        assertThat(registry.find("enclave.ai.requests").tags("model", "metrics-broken",
                "outcome", "success").counter()).isNull();
    }

    @Test
    void aModelFailureBeforeTheFirstChunkIsAModelError() throws Exception {
        FakeStreamingAdapter.script("metrics-failed")
                .error("model_server_timeout", "model server did not answer within 55 s");

        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"), chatRequest("metrics-failed"))) {
            assertThat(response.status).isEqualTo(421);
            response.readRest();
        }

        assertThat(requests("duo_chat", "metrics-failed", "model_error")).isNotNull()
                .extracting(Counter::count).isEqualTo(1.0);
        assertThat(registry.find("enclave.ai.time.to.first.chunk")
                .tags("model", "metrics-failed").timer()).isNull();
    }

    @Test
    void aTokenWithoutTheFeatureIsRefusedBeforeAnyModelIsNamed() throws Exception {
        double before = count(registry.find("enclave.ai.requests")
                .tags("feature", "generate_code", "model", "none", "outcome", "refused").counter());

        try (RawHttp response = RawHttp.post("/v2/code/generations", List.of("complete_code"),
                codeRequest("metrics-refused"))) {
            assertThat(response.status).isEqualTo(403);
            response.readRest();
        }

        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (count(registry.find("enclave.ai.requests")
                .tags("feature", "generate_code", "model", "none", "outcome", "refused").counter()) == before
                && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(count(registry.find("enclave.ai.requests")
                .tags("feature", "generate_code", "model", "none", "outcome", "refused").counter()))
                .isEqualTo(before + 1);
    }

    private static double count(Counter counter) {
        return counter == null ? 0 : counter.count();
    }

    @Test
    void theScrapeHasTheAiSeriesHttpServerAndClientMetricsAndTheAdapterGuard() throws Exception {
        FakeStreamingAdapter.script("metrics-scrape").delta("x").done("stop");
        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"),
                codeRequest("metrics-scrape"))) {
            response.readRest();
        }
        eventually(() -> registry.find("enclave.ai.requests").tags("model", "metrics-scrape").counter());

        String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(scrape)
                .contains("enclave_ai_requests_total{feature=\"complete_code\",model=\"metrics-scrape\","
                        + "outcome=\"success\"} 1.0")
                .contains("enclave_ai_request_duration_seconds_bucket{")
                .contains("enclave_ai_time_to_first_chunk_seconds_bucket{")
                .contains("enclave_ai_input_tokens_total{")
                .contains("enclave_ai_output_tokens_total{")
                .contains("http_server_requests_seconds_count{")
                .contains("http_client_requests_seconds_count{")
                // SmallRye Fault Tolerance's series for the model-adapter guard (named by its description)
                .contains("ft_circuitbreaker_state_current{method=\"model-adapter\",state=\"open\"}")
                .contains("ft_bulkhead_executionsRunning{method=\"model-adapter\"}")
                .contains("ft_bulkhead_calls_total{bulkheadResult=\"rejected\",method=\"model-adapter\"}")
                .contains("enclave_jwks_refreshes_total{outcome=\"success\"}");
        // no label carries a token, a key or a prompt
        assertThat(scrape).doesNotContain(FakeIssuerAndAdapter.ADAPTER_TOKEN).doesNotContain("def add(a, b)");
    }
}
