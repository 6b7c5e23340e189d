package dev.enclave.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.simulator.RecordedRequest;
import io.restassured.RestAssured;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.enclave.adapter.GatewayCaller.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.emptyOrNullString;

@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class GenerateResourceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void reset() {
        SimulatedModelServer.reset();
    }

    static Map<String, Object> model(String apiKey) {
        return Map.of("provider", "openai_compatible", "endpoint", SimulatedModelServer.simulator.baseUrl(),
                "identifier", SimulatedModelServer.MODEL, "api_key", apiKey);
    }

    static Response call(String path, Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post(path);
    }

    @Test
    void completionReachesTheModelWithItsApiKey() {
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "def add(a, b):",
                "max_tokens", 8)).then().statusCode(200)
                .body("text", not(emptyOrNullString()))
                .body("finish_reason", equalTo("length"))
                .body("model", equalTo(SimulatedModelServer.MODEL))
                .body("usage.completion_tokens", equalTo(8));

        RecordedRequest sent = SimulatedModelServer.simulator.recordedRequests().get(0);
        assertThat(sent.path()).isEqualTo("/v1/completions");
        assertThat(sent.headers().get("authorization")).containsExactly("Bearer " + SimulatedModelServer.API_KEY);
    }

    @Test
    void chatGoesToChatCompletions() {
        call("/v1/chat/completions", Map.of("model", model(SimulatedModelServer.API_KEY),
                "messages", List.of(Map.of("role", "user", "content", "hi")), "max_tokens", 4))
                .then().statusCode(200).body("text", not(emptyOrNullString()));
        assertThat(SimulatedModelServer.simulator.recordedRequests().get(0).path()).isEqualTo("/v1/chat/completions");
    }

    @Test
    void wrongApiKeyIsTheModelServersRefusalWithItsStatus() {
        call("/v1/completions", Map.of("model", model("wrong"), "prompt", "x")).then().statusCode(502)
                .body("error", equalTo("model_server_error"))
                .body("model_status", equalTo(401))
                .body("message", containsString("answered 401: Unauthorized"))
                .body("message", not(containsString("wrong")));
    }

    @Test
    void unknownModelIsReportedWithTheServersReason() {
        Map<String, Object> target = Map.of("provider", "openai_compatible",
                "endpoint", SimulatedModelServer.simulator.baseUrl(), "identifier", "no-such-model",
                "api_key", SimulatedModelServer.API_KEY);
        call("/v1/completions", Map.of("model", target, "prompt", "x")).then().statusCode(502)
                .body("model_status", equalTo(404))
                .body("message", containsString("does not exist"));
    }

    @Test
    void injectedServerErrorIsPassedOnWithItsStatus() {
        SimulatedModelServer.simulator.faults().failNext(1, 503);
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "x"))
                .then().statusCode(502).body("model_status", equalTo(503));
    }

    @Test
    void droppedConnectionIsUnreachable() {
        SimulatedModelServer.simulator.faults().dropNext(1);
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "x"))
                .then().statusCode(502).body("error", equalTo("model_server_unreachable"));
    }

    @Test
    void nothingListeningIsUnreachable() {
        Map<String, Object> target = Map.of("provider", "openai_compatible", "endpoint", "http://127.0.0.1:9/v1",
                "identifier", "m", "api_key", "k");
        call("/v1/completions", Map.of("model", target, "prompt", "x"))
                .then().statusCode(502).body("error", equalTo("model_server_unreachable"))
                .body("message", containsString("http://127.0.0.1:9/v1/completions"));
    }

    @Test
    void slowModelTimesOut() throws InterruptedException {
        long sent = System.nanoTime();
        SimulatedModelServer.simulator.setLatencyMs(5_000);
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "x"))
                .then().statusCode(504).body("error", equalTo("model_server_timeout"));
        SimulatedModelServer.outlast(sent, 5_000);
    }

    @Test
    void callersDeadlineLessTheMarginShortensTheReadTimeout() throws InterruptedException {
        long sent = System.nanoTime();
        SimulatedModelServer.simulator.setLatencyMs(1_000);
        // 250 ms less enclave.adapter.timeout-margin (100 ms): the adapter answers before its caller gives up
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "x", "timeout_ms", 250))
                .then().statusCode(504).body("error", equalTo("model_server_timeout"))
                .body("message", containsString("did not answer within 0.15 s"));
        SimulatedModelServer.outlast(sent, 1_000);
    }

    @Test
    void unsupportedProviderIsRefusedByName() {
        Map<String, Object> target = Map.of("provider", "watsonx", "endpoint", "http://127.0.0.1:9", "identifier", "m");
        call("/v1/completions", Map.of("model", target, "prompt", "x"))
                .then().statusCode(422).body("message", equalTo("provider 'watsonx' is not supported by this "
                        + "model-adapter; supported: anthropic, azure_openai, bedrock, mistral, openai_compatible, "
                        + "vertex_ai"));
    }

    @Test
    void promptAndMessagesAreExclusive() {
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY)))
                .then().statusCode(422).body("message", equalTo("exactly one of prompt and messages is required"));
    }

    @Test
    void anAnswerLargerThanTheCapIsRefusedNotBuffered() {
        // about 3 bytes a token: 30,000 tokens are well over the tests' 64 KiB cap
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "x",
                "max_tokens", 30_000)).then().statusCode(502)
                .body("error", equalTo("model_server_error"))
                .body("model_status", equalTo(200))
                .body("message", containsString("answered with more than 65536 bytes "
                        + "(enclave.adapter.max-answer-bytes)"));
    }

    @Test
    void theRequestIdIsEchoedOnAnswersAndErrors() {
        given().contentType(ContentType.JSON).header("X-Request-ID", "req-echo-1")
                .body(Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "x", "max_tokens", 2))
                .post("/v1/completions").then().statusCode(200)
                .contentType(ContentType.JSON)
                .header("X-Request-ID", "req-echo-1");
        given().contentType(ContentType.JSON).header("X-Request-ID", "req-echo-2")
                .body(Map.of("model", model("wrong"), "prompt", "x"))
                .post("/v1/completions").then().statusCode(502)
                .header("X-Request-ID", "req-echo-2");
    }

    /**
     * Many calls at once share the pooled model connections, whose events Vert.x 4 could deliver
     * before a call listened when they came from another context; none may hang or get another's answer.
     */
    @Test
    void concurrentCallsOverPooledConnectionsAllGetTheirOwnAnswers() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            Map<String, Object> body = Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "call " + i,
                    "max_tokens", 4, "stream", i % 2 == 0);
            answers.add(client.sendAsync(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + RestAssured.port + "/v1/completions"))
                    .header("Authorization", "Bearer " + TestTokens.valid())
                    .header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < answers.size(); i++) {
            HttpResponse<String> answer = answers.get(i).get(30, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).as("call %d: %s", i, answer.body()).isEqualTo(200);
            String expected = call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY),
                    "prompt", "call " + i, "max_tokens", 4)).then().statusCode(200).extract().path("text");
            String text;
            if (i % 2 == 0) {
                StringBuilder joined = new StringBuilder();
                for (String line : answer.body().split("\n")) {
                    JsonNode event = JSON.readTree(line);
                    if (event.path("type").asText().equals("delta")) {
                        joined.append(event.path("text").asText());
                    }
                }
                text = joined.toString();
            } else {
                text = JSON.readTree(answer.body()).path("text").asText();
            }
            assertThat(text).as("call %d", i).isEqualTo(expected);
        }
    }

    @Test
    void endpointWithoutTheV1SuffixIsAccepted() {
        String bare = SimulatedModelServer.simulator.baseUrl().replace("/v1", "");
        Map<String, Object> target = Map.of("provider", "openai_compatible", "endpoint", bare,
                "identifier", SimulatedModelServer.MODEL, "api_key", SimulatedModelServer.API_KEY);
        call("/v1/completions", Map.of("model", target, "prompt", "x")).then().statusCode(200);
    }

    @Test
    void stopSequencesGoInOpenAisStopFieldAndAreLeftOutWhenThereAreNone() {
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "def add(a, b):",
                "max_tokens", 8, "stop", List.of("<EOT>", "\n\n"))).then().statusCode(200);
        call("/v1/chat/completions", Map.of("model", model(SimulatedModelServer.API_KEY),
                "messages", List.of(Map.of("role", "user", "content", "hi")), "max_tokens", 4,
                "stop", List.of("Observation:"))).then().statusCode(200);
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "x",
                "max_tokens", 2, "stop", List.of())).then().statusCode(200);

        List<RecordedRequest> sent = SimulatedModelServer.simulator.recordedRequests();
        assertThat(sent.get(0).json().get("stop").toString()).isEqualTo("[\"<EOT>\",\"\\n\\n\"]");
        assertThat(sent.get(1).json().get("stop").toString()).isEqualTo("[\"Observation:\"]");
        assertThat(sent.get(2).json().has("stop")).isFalse();
    }
}
