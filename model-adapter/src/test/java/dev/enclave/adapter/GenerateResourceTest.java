package dev.enclave.adapter;

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

@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class GenerateResourceTest {

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
    void slowModelTimesOut() {
        SimulatedModelServer.simulator.setLatencyMs(5_000);
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "x"))
                .then().statusCode(504).body("error", equalTo("model_server_timeout"));
    }

    @Test
    void callersDeadlineShortensTheReadTimeout() {
        SimulatedModelServer.simulator.setLatencyMs(1_000);
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY), "prompt", "x", "timeout_ms", 250))
                .then().statusCode(504).body("error", equalTo("model_server_timeout"))
                .body("message", containsString("did not answer within 0.25 s"));
    }

    @Test
    void unsupportedProviderIsRefusedByName() {
        Map<String, Object> target = Map.of("provider", "vertex_ai", "endpoint", "http://127.0.0.1:9", "identifier", "m");
        call("/v1/completions", Map.of("model", target, "prompt", "x"))
                .then().statusCode(422).body("message", equalTo("provider 'vertex_ai' is not supported by this "
                        + "model-adapter; supported: anthropic, azure_openai, bedrock, mistral, openai_compatible"));
    }

    @Test
    void promptAndMessagesAreExclusive() {
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.API_KEY)))
                .then().statusCode(422).body("message", equalTo("exactly one of prompt and messages is required"));
    }

    @Test
    void endpointWithoutTheV1SuffixIsAccepted() {
        String bare = SimulatedModelServer.simulator.baseUrl().replace("/v1", "");
        Map<String, Object> target = Map.of("provider", "openai_compatible", "endpoint", bare,
                "identifier", SimulatedModelServer.MODEL, "api_key", SimulatedModelServer.API_KEY);
        call("/v1/completions", Map.of("model", target, "prompt", "x")).then().statusCode(200);
    }
}
