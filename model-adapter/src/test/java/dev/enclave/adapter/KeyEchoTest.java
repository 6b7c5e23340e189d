package dev.enclave.adapter;

import dev.enclave.simulator.ModelSimulator;
import dev.enclave.support.testing.LogCapture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15: the "the key never appears in an error" checks against a model server that quotes the
 * refused key back in its 401 (the simulator's echo mode, as OpenAI's "Incorrect API key provided"
 * does). The positive control shows the server really sends the key; model-adapter's answer and
 * its log must still not carry it.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class KeyEchoTest {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    @ParameterizedTest
    @CsvSource({
            "openai_compatible, /v1/completions, Authorization, Bearer ",
            "mistral, /v1/chat/completions, Authorization, Bearer ",
            "anthropic, /v1/messages, x-api-key, ''",
            "azure_openai, /openai/deployments/d/chat/completions?api-version=2024-02-01, api-key, ''"})
    void aKeyTheModelServerQuotesBackIsNotPassedOn(String provider, String apiPath, String header, String scheme)
            throws Exception {
        String key = "echoed-key-" + provider.replace('_', '-') + "-4f1d";
        ModelSimulator server = simulator(provider);
        server.setEchoKeyInErrors(true);
        try (LogCapture capture = LogCapture.everything()) {
            // positive control: the model server itself answers with the key in its 401
            HttpResponse<String> direct = HTTP.send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + server.port() + apiPath)).header(header, scheme + key)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(direct.statusCode()).isEqualTo(401);
            assertThat(direct.body()).contains(key);

            String answer = GatewayCaller.given().contentType(ContentType.JSON)
                    .body(Map.of("model", model(provider, key), "prompt", "x"))
                    .post("/v1/completions").then().statusCode(502).extract().asString();
            assertThat(answer).contains("answered 401").doesNotContain(key);
            assertThat(capture.lines()).anyMatch(line -> line.contains("answered 401"));
            assertThat(capture.text()).doesNotContain(key);
        } finally {
            server.setEchoKeyInErrors(false);
        }
    }

    private static ModelSimulator simulator(String provider) {
        return switch (provider) {
            case "openai_compatible" -> SimulatedModelServer.simulator;
            case "mistral" -> SimulatedModelServer.mistral;
            case "anthropic" -> SimulatedModelServer.anthropic;
            default -> SimulatedModelServer.azure;
        };
    }

    private static Map<String, Object> model(String provider, String key) {
        return switch (provider) {
            case "openai_compatible" -> Map.of("provider", provider, "endpoint", SimulatedModelServer.simulator.baseUrl(),
                    "identifier", SimulatedModelServer.MODEL, "api_key", key);
            case "mistral" -> Map.of("provider", provider, "endpoint",
                    SimulatedModelServer.mistral.baseUrl().replace("/v1", ""), "identifier", "codestral-latest",
                    "api_key", key);
            case "anthropic" -> Map.of("provider", provider, "endpoint", SimulatedModelServer.anthropic.baseUrl(),
                    "identifier", SimulatedModelServer.CLAUDE, "api_key", key);
            default -> Map.of("provider", provider, "endpoint", SimulatedModelServer.azure.baseUrl() + "/",
                    "identifier", SimulatedModelServer.AZURE_DEPLOYMENT, "api_key", key);
        };
    }
}
