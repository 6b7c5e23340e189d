package dev.enclave.simulator;

import static dev.enclave.simulator.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FaultInjectionTest {

    private static final String COMPLETION = "{\"model\":\"codestral-22b\",\"prompt\":\"def f():\",\"max_tokens\":4}";
    private static final String STREAM =
            "{\"model\":\"codestral-22b\",\"prompt\":\"def f():\",\"max_tokens\":4,\"stream\":true}";

    private static ModelSimulator sim;

    @BeforeAll
    static void start() {
        sim = ModelSimulator.start(SimulatorConfig.builder().port(0).build());
    }

    @AfterEach
    void reset() {
        sim.faults().clear();
        sim.setLatencyMs(0);
        sim.setTokenDelayMs(0);
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static HttpResponse<String> complete(String body) throws Exception {
        return TestHttp.post(sim.baseUrl() + "/completions", null, body);
    }

    private static HttpResponse<String> control(String body) throws Exception {
        return TestHttp.post(sim.baseUrl().replace("/v1", "/__simulator/faults"), null, body);
    }

    @Test
    void echoKeyInErrorsQuotesTheRefusedKeyInThe401() throws Exception {
        try {
            assertThat(control("{\"api_key\": \"sk-right\"}").statusCode()).isEqualTo(204);
            HttpResponse<String> plain = TestHttp.post(sim.baseUrl() + "/completions", "sk-wrong-1", COMPLETION);
            assertThat(plain.statusCode()).isEqualTo(401);
            assertThat(plain.body()).doesNotContain("sk-wrong-1");

            assertThat(control("{\"echo_key_in_errors\": true}").statusCode()).isEqualTo(204);
            HttpResponse<String> echoed = TestHttp.post(sim.baseUrl() + "/completions", "sk-wrong-2", COMPLETION);
            assertThat(echoed.statusCode()).isEqualTo(401);
            assertThat(echoed.body()).contains("sk-wrong-2");

            assertThat(control("{\"echo_key_in_errors\": \"yes\"}").statusCode()).isEqualTo(400);
        } finally {
            sim.setEchoKeyInErrors(false);
            sim.setApiKey(null);
        }
    }

    @ParameterizedTest
    @CsvSource({"503, ServiceUnavailableError", "500, InternalServerError", "429, RateLimitError"})
    void failNextAnswersTheStatusThenRecovers(int status, String type) throws Exception {
        sim.faults().failNext(2, status);

        for (int i = 0; i < 2; i++) {
            HttpResponse<String> failed = complete(COMPLETION);
            assertThat(failed.statusCode()).isEqualTo(status);
            JsonNode body = json(failed.body());
            assertThat(body.get("object").asText()).isEqualTo("error");
            assertThat(body.get("type").asText()).isEqualTo(type);
            assertThat(body.get("code").asInt()).isEqualTo(status);
        }
        assertThat(complete(COMPLETION).statusCode()).isEqualTo(200);
    }

    @Test
    void failuresDoNotHitModelListing() throws Exception {
        sim.faults().failNext(1, 503);

        assertThat(TestHttp.get(sim.baseUrl() + "/models", null).statusCode()).isEqualTo(200);
        assertThat(TestHttp.post(sim.baseUrl() + "/chat/completions", null,
                "{\"model\":\"codestral-22b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode())
                .isEqualTo(503);
    }

    @Test
    void dropNextClosesTheConnectionWithoutResponse() throws Exception {
        sim.faults().dropNext(1);

        assertThatThrownBy(() -> complete(COMPLETION)).isInstanceOf(IOException.class);
        assertThat(complete(COMPLETION).statusCode()).isEqualTo(200);
    }

    @Test
    void dropMidStreamTruncatesTheStream() throws Exception {
        sim.faults().dropMidStream(1);

        HttpResponse<InputStream> response = TestHttp.send(
                TestHttp.request(sim.baseUrl() + "/completions", null)
                        .POST(HttpRequest.BodyPublishers.ofString(STREAM))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        assertThatThrownBy(() -> {
            try (InputStream in = response.body()) {
                byte[] buffer = new byte[256];
                for (int n; (n = in.read(buffer)) != -1; ) {
                    received.write(buffer, 0, n);
                }
            }
        }).isInstanceOf(IOException.class);

        List<String> events = TestHttp.events(received.toString(StandardCharsets.UTF_8));
        // A completion stream has no opening event: the first content event, then the close.
        assertThat(events).hasSize(1).doesNotContain("[DONE]");
        assertThat(TestHttp.chunks(complete(STREAM).body())).hasSize(4);
    }

    @Test
    void dropMidStreamLeavesNonStreamingRequestsAlone() throws Exception {
        sim.faults().dropMidStream(1);

        assertThat(complete(COMPLETION).statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> complete(STREAM)).isInstanceOf(IOException.class);
    }

    @Test
    void latencyDelaysCompletionResponses() throws Exception {
        sim.setLatencyMs(150);

        long started = System.nanoTime();
        assertThat(complete(COMPLETION).statusCode()).isEqualTo(200);

        assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(150);
    }

    @Test
    void tokenDelaySpacesStreamedChunks() throws Exception {
        sim.setTokenDelayMs(30);

        long started = System.nanoTime();
        TestHttp.chunks(complete(STREAM).body());

        // four content chunks: three gaps
        assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(90);
    }

    @Test
    void controlEndpointDrivesTheSameFaults() throws Exception {
        assertThat(control("{\"fail_next\":1,\"status\":502}").statusCode()).isEqualTo(204);
        assertThat(complete(COMPLETION).statusCode()).isEqualTo(502);

        assertThat(control("{\"fail_next\":1}").statusCode()).isEqualTo(204);
        assertThat(complete(COMPLETION).statusCode()).isEqualTo(503);

        assertThat(control("{\"drop_next\":1}").statusCode()).isEqualTo(204);
        assertThatThrownBy(() -> complete(COMPLETION)).isInstanceOf(IOException.class);

        assertThat(control("{\"drop_mid_stream\":1}").statusCode()).isEqualTo(204);
        assertThatThrownBy(() -> complete(STREAM)).isInstanceOf(IOException.class);

        assertThat(control("{\"fail_next\":5,\"drop_next\":5,\"drop_mid_stream\":5}").statusCode()).isEqualTo(204);
        assertThat(control("{\"clear\":true}").statusCode()).isEqualTo(204);
        assertThat(complete(COMPLETION).statusCode()).isEqualTo(200);
        assertThat(complete(STREAM).statusCode()).isEqualTo(200);

        assertThat(control("{\"latency_ms\":50,\"token_delay_ms\":5}").statusCode()).isEqualTo(204);
        assertThat(sim.latencyMs()).isEqualTo(50);
        assertThat(sim.tokenDelayMs()).isEqualTo(5);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{}                              | Expected at least one of",
            "{\"fail_next\":-1}              | fail_next must not be negative",
            "{\"fail_next\":1,\"status\":200} | status must be between 400 and 599",
            "{\"status\":500}                | status is only valid together with fail_next",
            "{\"drop\":1}                    | Unknown field `drop`",
            "not json                        | Invalid JSON body"
    })
    void controlEndpointRejectsInvalidRequests(String body, String message) throws Exception {
        HttpResponse<String> response = control(body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response.body()).get("message").asText()).contains(message);
        assertThat(complete(COMPLETION).statusCode()).isEqualTo(200);
    }

    @Test
    void apiKeyCanBeRotatedAtRunTime() throws Exception {
        try {
            assertThat(control("{\"api_key\": \"rotated\"}").statusCode()).isEqualTo(204);
            assertThat(complete(COMPLETION).statusCode()).isEqualTo(401);
            assertThat(TestHttp.post(sim.baseUrl() + "/completions", "rotated", COMPLETION).statusCode()).isEqualTo(200);
            assertThat(control("{\"api_key\": 42}").statusCode()).isEqualTo(400);
        } finally {
            sim.setApiKey(null);
        }
        assertThat(complete(COMPLETION).statusCode()).isEqualTo(200);
    }
}
