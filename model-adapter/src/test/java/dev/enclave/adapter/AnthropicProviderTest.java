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

/** {@code anthropic} against the simulator's Messages API personality. */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class AnthropicProviderTest {

    @BeforeEach
    void reset() {
        SimulatedModelServer.reset();
    }

    private static Map<String, Object> model(String identifier, String apiKey) {
        return Map.of("provider", "anthropic", "endpoint", SimulatedModelServer.anthropic.baseUrl(),
                "identifier", identifier, "api_key", apiKey);
    }

    private static Response call(String path, Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post(path);
    }

    @Test
    void chatIsAMessagesCallWithSystemApartAndTheKeyInXApiKey() {
        call("/v1/chat/completions", Map.of("model", model(SimulatedModelServer.CLAUDE, SimulatedModelServer.API_KEY),
                "messages", List.of(Map.of("role", "system", "content", "Be brief."),
                        Map.of("role", "user", "content", "Reply"), Map.of("role", "user", "content", "with OK")),
                "max_tokens", 300, "temperature", 0.2))
                .then().statusCode(200)
                .body("finish_reason", equalTo("stop"))
                .body("model", equalTo(SimulatedModelServer.CLAUDE))
                .body("usage.prompt_tokens", equalTo(8));

        RecordedRequest sent = SimulatedModelServer.anthropic.recordedRequests().get(0);
        assertThat(sent.path()).isEqualTo("/v1/messages");
        assertThat(sent.header("x-api-key")).isEqualTo(SimulatedModelServer.API_KEY);
        assertThat(sent.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(sent.header("Authorization")).isNull();
        JsonNode body = sent.json();
        assertThat(body.get("model").asText()).isEqualTo(SimulatedModelServer.CLAUDE);
        assertThat(body.get("max_tokens").asInt()).isEqualTo(300);
        assertThat(body.get("system").asText()).isEqualTo("Be brief.");
        assertThat(body.get("messages")).hasSize(1);
        assertThat(body.at("/messages/0/role").asText()).isEqualTo("user");
        assertThat(body.at("/messages/0/content/1/text").asText()).isEqualTo("with OK");
    }

    @Test
    void aRawPromptIsOneUserMessageAndMaxTokensIsLength() {
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.CLAUDE, SimulatedModelServer.API_KEY),
                "prompt", "<PRE> def add(a, b): <SUF> <MID>", "max_tokens", 1))
                .then().statusCode(200)
                .body("finish_reason", equalTo("length"))
                .body("usage.completion_tokens", equalTo(1));

        JsonNode body = SimulatedModelServer.anthropic.recordedRequests().get(0).json();
        assertThat(body.get("messages")).hasSize(1);
        assertThat(body.at("/messages/0/content/0/text").asText()).isEqualTo("<PRE> def add(a, b): <SUF> <MID>");
        assertThat(body.has("system")).isFalse();
    }

    @Test
    void maxTokensIsAlwaysSentBecauseAnthropicRequiresIt() {
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.CLAUDE, SimulatedModelServer.API_KEY),
                "prompt", "hi")).then().statusCode(200);

        assertThat(SimulatedModelServer.anthropic.recordedRequests().get(0).json().get("max_tokens").asInt())
                .isEqualTo(1024);
    }

    @Test
    void anthropicsOwnErrorsSurfaceWithStatusAndReason() {
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.CLAUDE, "wrong-key-456"), "prompt", "x"))
                .then().statusCode(502).body("model_status", equalTo(401))
                .body("message", containsString("answered 401: authentication_error: invalid x-api-key"))
                .body("message", not(containsString("wrong-key-456")));
        call("/v1/completions", Map.of("model", model("claude-0", SimulatedModelServer.API_KEY), "prompt", "x"))
                .then().statusCode(502).body("model_status", equalTo(404))
                .body("message", containsString("answered 404: not_found_error: model: claude-0"));
        SimulatedModelServer.anthropic.faults().failNext(1, 529);
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.CLAUDE, SimulatedModelServer.API_KEY),
                "prompt", "x")).then().statusCode(502).body("model_status", equalTo(529))
                .body("message", containsString("overloaded_error"));
    }

    @Test
    void timeoutsAndDroppedConnections() {
        SimulatedModelServer.anthropic.setLatencyMs(1_500);
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.CLAUDE, SimulatedModelServer.API_KEY),
                "prompt", "x", "timeout_ms", 500)).then().statusCode(504).body("error", equalTo("model_server_timeout"));
        SimulatedModelServer.anthropic.setLatencyMs(0);
        SimulatedModelServer.anthropic.faults().dropNext(1);
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.CLAUDE, SimulatedModelServer.API_KEY),
                "prompt", "x")).then().statusCode(502).body("error", equalTo("model_server_unreachable"));
    }

    @Test
    void rolesAnthropicCannotTakeAreRefusedBeforeTheCall() {
        call("/v1/chat/completions", Map.of("model", model(SimulatedModelServer.CLAUDE, SimulatedModelServer.API_KEY),
                "messages", List.of(Map.of("role", "tool", "content", "x"))))
                .then().statusCode(422)
                .body("message", equalTo("message role 'tool' is not supported by anthropic; use system, user or assistant"));
        assertThat(SimulatedModelServer.anthropic.recordedRequests()).isEmpty();
    }

    @Test
    void stopSequencesGoInStopSequences() {
        call("/v1/chat/completions", Map.of("model", model(SimulatedModelServer.CLAUDE, SimulatedModelServer.API_KEY),
                "messages", List.of(Map.of("role", "user", "content", "Reply with OK")), "max_tokens", 30,
                "stop", List.of("</new_code>"))).then().statusCode(200);

        JsonNode body = SimulatedModelServer.anthropic.recordedRequests().get(0).json();
        assertThat(body.get("stop_sequences").toString()).isEqualTo("[\"</new_code>\"]");
        assertThat(body.has("stop")).isFalse();
    }
}
