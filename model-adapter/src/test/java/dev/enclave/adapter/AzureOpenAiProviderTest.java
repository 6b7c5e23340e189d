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

/** {@code azure_openai} against the simulator's Azure OpenAI personality. */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class AzureOpenAiProviderTest {

    @BeforeEach
    void reset() {
        SimulatedModelServer.reset();
    }

    private static Map<String, Object> model(String deployment, String apiKey) {
        return Map.of("provider", "azure_openai", "endpoint", SimulatedModelServer.azure.baseUrl() + "/",
                "identifier", deployment, "api_key", apiKey);
    }

    private static Response call(String path, Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post(path);
    }

    @Test
    void chatGoesToTheDeploymentWithTheApiVersionAndTheKeyInApiKey() {
        call("/v1/chat/completions", Map.of("model", model(SimulatedModelServer.AZURE_DEPLOYMENT,
                SimulatedModelServer.API_KEY), "messages", List.of(Map.of("role", "user", "content", "Reply with OK")),
                "max_tokens", 300))
                .then().statusCode(200)
                .body("finish_reason", equalTo("stop"))
                .body("model", equalTo(SimulatedModelServer.AZURE_DEPLOYMENT));

        RecordedRequest sent = SimulatedModelServer.azure.recordedRequests().get(0);
        assertThat(sent.path()).isEqualTo("/openai/deployments/" + SimulatedModelServer.AZURE_DEPLOYMENT
                + "/chat/completions");
        assertThat(sent.query()).isEqualTo("api-version=2024-02-01");
        assertThat(sent.header("api-key")).isEqualTo(SimulatedModelServer.API_KEY);
        assertThat(sent.header("Authorization")).isNull();
        assertThat(sent.json().has("model")).isFalse();
        assertThat(sent.json().get("max_tokens").asInt()).isEqualTo(300);
    }

    @Test
    void aRawPromptGoesToCompletions() {
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.AZURE_DEPLOYMENT,
                SimulatedModelServer.API_KEY), "prompt", "def add(a, b):", "max_tokens", 4))
                .then().statusCode(200)
                .body("finish_reason", equalTo("length"))
                .body("usage.completion_tokens", equalTo(4));

        assertThat(SimulatedModelServer.azure.recordedRequests().get(0).path())
                .isEqualTo("/openai/deployments/" + SimulatedModelServer.AZURE_DEPLOYMENT + "/completions");
    }

    @Test
    void azuresOwnErrorsSurfaceWithStatusAndReason() {
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.AZURE_DEPLOYMENT, "wrong-key-789"),
                "prompt", "x")).then().statusCode(502).body("model_status", equalTo(401))
                .body("message", containsString("answered 401: Access denied due to invalid subscription key"))
                .body("message", not(containsString("wrong-key-789")));
        call("/v1/completions", Map.of("model", model("gpt-none", SimulatedModelServer.API_KEY), "prompt", "x"))
                .then().statusCode(502).body("model_status", equalTo(404))
                .body("message", containsString("answered 404: DeploymentNotFound: The API deployment for this "
                        + "resource does not exist."));
    }

    @Test
    void timeoutsAndDroppedConnections() {
        SimulatedModelServer.azure.setLatencyMs(1_500);
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.AZURE_DEPLOYMENT,
                SimulatedModelServer.API_KEY), "prompt", "x", "timeout_ms", 500)).then().statusCode(504);
        SimulatedModelServer.azure.setLatencyMs(0);
        SimulatedModelServer.azure.faults().dropNext(1);
        call("/v1/completions", Map.of("model", model(SimulatedModelServer.AZURE_DEPLOYMENT,
                SimulatedModelServer.API_KEY), "prompt", "x")).then().statusCode(502)
                .body("error", equalTo("model_server_unreachable"));
    }

    @Test
    void stopSequencesGoInStop() {
        call("/v1/chat/completions", Map.of("model", model(SimulatedModelServer.AZURE_DEPLOYMENT,
                SimulatedModelServer.API_KEY), "messages", List.of(Map.of("role", "user", "content", "Reply with OK")),
                "max_tokens", 30, "stop", List.of("</PREFIX>", "</SUFFIX>"))).then().statusCode(200);

        assertThat(SimulatedModelServer.azure.recordedRequests().get(0).json().get("stop").toString())
                .isEqualTo("[\"</PREFIX>\",\"</SUFFIX>\"]");
    }
}
