package dev.enclave.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.simulator.RecordedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.enclave.adapter.GatewayCaller.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.emptyOrNullString;

/** {@code mistral} against the simulator's Mistral personality. */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class MistralProviderTest {

    @BeforeEach
    void reset() {
        SimulatedModelServer.reset();
    }

    private static Map<String, Object> model(String identifier, String apiKey) {
        return Map.of("provider", "mistral", "endpoint", SimulatedModelServer.mistral.baseUrl().replace("/v1", ""),
                "identifier", identifier, "api_key", apiKey);
    }

    private static Response call(String path, Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post(path);
    }

    @Test
    void chatGoesToChatCompletionsWithTheBearerKey() {
        call("/v1/chat/completions", Map.of("model", model("codestral-latest", SimulatedModelServer.API_KEY),
                "messages", List.of(Map.of("role", "system", "content", "Be brief."),
                        Map.of("role", "user", "content", "Reply with OK")), "max_tokens", 200))
                .then().statusCode(200)
                .body("finish_reason", equalTo("stop"))
                .body("model", equalTo("codestral-latest"))
                .body("usage.prompt_tokens", equalTo(8));

        RecordedRequest sent = SimulatedModelServer.mistral.recordedRequests().get(0);
        assertThat(sent.path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.header("Authorization")).isEqualTo("Bearer " + SimulatedModelServer.API_KEY);
        assertThat(sent.json().get("model").asText()).isEqualTo("codestral-latest");
        assertThat(sent.json().get("stream").asBoolean(true)).isFalse();
    }

    @Test
    void aCodestralFimPromptGoesToFimCompletionsAsPromptAndSuffix() {
        call("/v1/completions", Map.of("model", model("codestral-latest", SimulatedModelServer.API_KEY),
                "prompt", "[SUFFIX]    return c\n[PREFIX]def add(a, b):\n", "max_tokens", 5))
                .then().statusCode(200)
                .body("text", not(emptyOrNullString()))
                .body("finish_reason", equalTo("length"))
                .body("usage.completion_tokens", equalTo(5));

        JsonNode sent = SimulatedModelServer.mistral.recordedRequests().get(0).json();
        assertThat(SimulatedModelServer.mistral.recordedRequests().get(0).path()).isEqualTo("/v1/fim/completions");
        assertThat(sent.get("prompt").asText()).isEqualTo("def add(a, b):\n");
        assertThat(sent.get("suffix").asText()).isEqualTo("    return c\n");
        assertThat(sent.get("max_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void aPlainPromptIsSentWithoutSuffix() {
        call("/v1/completions", Map.of("model", model("codestral-latest", SimulatedModelServer.API_KEY),
                "prompt", "def add(a, b):")).then().statusCode(200);

        JsonNode sent = SimulatedModelServer.mistral.recordedRequests().get(0).json();
        assertThat(sent.get("prompt").asText()).isEqualTo("def add(a, b):");
        assertThat(sent.has("suffix")).isFalse();
    }

    @Test
    void mistralsOwnErrorsSurfaceWithStatusAndReason() {
        call("/v1/completions", Map.of("model", model("codestral-latest", "wrong-key-123"), "prompt", "x"))
                .then().statusCode(502)
                .body("error", equalTo("model_server_error"))
                .body("model_status", equalTo(401))
                .body("message", containsString("answered 401: Unauthorized"))
                .body("message", not(containsString("wrong-key-123")));
        call("/v1/completions", Map.of("model", model("mistral-huge", SimulatedModelServer.API_KEY), "prompt", "x"))
                .then().statusCode(502).body("model_status", equalTo(400))
                .body("message", containsString("answered 400: Invalid model: mistral-huge"));
        call("/v1/chat/completions", Map.of("model", model("codestral-latest", SimulatedModelServer.API_KEY),
                "messages", List.of(Map.of("role", "narrator", "content", "x"))))
                .then().statusCode(502).body("model_status", equalTo(422))
                .body("message", containsString("answered 422: body.messages.0.role: Input should be"));
    }

    @Test
    void timeoutsAndDroppedConnections() throws InterruptedException {
        long sent = System.nanoTime();
        SimulatedModelServer.mistral.setLatencyMs(1_500);
        call("/v1/completions", Map.of("model", model("codestral-latest", SimulatedModelServer.API_KEY),
                "prompt", "x", "timeout_ms", 500)).then().statusCode(504).body("error", equalTo("model_server_timeout"));
        SimulatedModelServer.mistral.setLatencyMs(0);
        // the abandoned request would take the drop when it wakes
        SimulatedModelServer.outlast(sent, 1_500);
        SimulatedModelServer.mistral.faults().dropNext(1);
        call("/v1/completions", Map.of("model", model("codestral-latest", SimulatedModelServer.API_KEY),
                "prompt", "x")).then().statusCode(502).body("error", equalTo("model_server_unreachable"));
    }

    @Test
    void stopSequencesGoInStopForChatsAndFimAlike() {
        call("/v1/completions", Map.of("model", model("codestral-latest", SimulatedModelServer.API_KEY),
                "prompt", "[SUFFIX]    return c\n[PREFIX]def add(a, b):\n", "max_tokens", 5,
                "stop", List.of("[PREFIX]", "[SUFFIX]"))).then().statusCode(200);
        call("/v1/chat/completions", Map.of("model", model("codestral-latest", SimulatedModelServer.API_KEY),
                "messages", List.of(Map.of("role", "user", "content", "Reply with OK")), "max_tokens", 20,
                "stop", List.of("[INST]"))).then().statusCode(200);

        List<RecordedRequest> sent = SimulatedModelServer.mistral.recordedRequests();
        assertThat(sent.get(0).path()).isEqualTo("/v1/fim/completions");
        assertThat(sent.get(0).json().get("stop").toString()).isEqualTo("[\"[PREFIX]\",\"[SUFFIX]\"]");
        assertThat(sent.get(1).path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.get(1).json().get("stop").toString()).isEqualTo("[\"[INST]\"]");
    }
}
