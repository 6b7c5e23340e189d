package dev.enclave.simulator;

import static dev.enclave.simulator.TestHttp.KEY;
import static dev.enclave.simulator.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorsAndAuthTest {

    private static ModelSimulator sim;

    @BeforeAll
    static void start() {
        sim = ModelSimulator.start(SimulatorConfig.builder().port(0).apiKey(KEY).build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static HttpResponse<String> complete(String body) throws Exception {
        return TestHttp.post(sim.baseUrl() + "/completions", KEY, body);
    }

    private static void assertVllmError(HttpResponse<String> response, int status, String type, String message) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = json(response.body());
        assertThat(body.get("object").asText()).isEqualTo("error");
        assertThat(body.get("type").asText()).isEqualTo(type);
        assertThat(body.get("message").asText()).contains(message);
        assertThat(body.get("param").isNull()).isTrue();
        assertThat(body.get("code").asInt()).isEqualTo(status);
    }

    @ParameterizedTest
    @CsvSource(value = {"NONE", "wrong-key"}, nullValues = "NONE")
    void rejectsMissingOrWrongKeyWithVllmBody(String key) throws Exception {
        for (HttpResponse<String> response : List.of(
                TestHttp.get(sim.baseUrl() + "/models", key),
                TestHttp.post(sim.baseUrl() + "/completions", key, "{}"),
                TestHttp.post(sim.baseUrl() + "/chat/completions", key, "{}"))) {
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(json(response.body())).isEqualTo(json("{\"error\":\"Unauthorized\"}"));
        }
    }

    @Test
    void rejectsKeyWithoutBearerScheme() throws Exception {
        HttpResponse<String> response = TestHttp.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/models"))
                .header("Authorization", KEY)
                .build());

        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void healthAndUnknownPathsNeedNoKeyOutsideV1() throws Exception {
        HttpResponse<String> health = TestHttp.get(sim.baseUrl().replace("/v1", "/health"), null);
        HttpResponse<String> unknown = TestHttp.get(sim.baseUrl().replace("/v1", "/nope"), null);

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(json(health.body()).get("status").asText()).isEqualTo("ok");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown.body())).isEqualTo(json("{\"detail\":\"Not Found\"}"));
    }

    @Test
    void unknownV1PathIsNotFoundOnceAuthenticated() throws Exception {
        assertThat(TestHttp.get(sim.baseUrl() + "/embeddings", null).statusCode()).isEqualTo(401);

        HttpResponse<String> response = TestHttp.get(sim.baseUrl() + "/embeddings", KEY);
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response.body())).isEqualTo(json("{\"detail\":\"Not Found\"}"));
    }

    @Test
    void wrongMethodIs405() throws Exception {
        HttpResponse<String> response = TestHttp.get(sim.baseUrl() + "/completions", KEY);

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).hasValue("POST");
        assertThat(json(response.body())).isEqualTo(json("{\"detail\":\"Method Not Allowed\"}"));
    }

    @Test
    void unknownModelIs404() throws Exception {
        assertVllmError(complete("{\"model\":\"gpt-4\",\"prompt\":\"x\"}"),
                404, "NotFoundError", "The model `gpt-4` does not exist.");
    }

    @Test
    void malformedJsonIs400() throws Exception {
        assertVllmError(complete("{\"model\":"), 400, "BadRequestError", "Invalid JSON body");
        assertVllmError(complete("[1,2]"), 400, "BadRequestError", "expected a JSON object");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"prompt\":\"x\"}                                      | model: Field required",
            "{\"model\":\"codestral-22b\"}                           | prompt: Field required",
            "{\"model\":\"codestral-22b\",\"prompt\":7}              | prompt: Input should be",
            "{\"model\":\"codestral-22b\",\"prompt\":\"x\",\"max_tokens\":\"5\"} | max_tokens: Input should be a valid integer",
            "{\"model\":\"codestral-22b\",\"prompt\":\"x\",\"max_tokens\":0}     | max_tokens must be at least 1",
            "{\"model\":\"codestral-22b\",\"prompt\":\"x\",\"n\":0}              | n must be at least 1",
            "{\"model\":\"codestral-22b\",\"prompt\":\"x\",\"stream\":\"yes\"}   | stream: Input should be a valid boolean",
            "{\"model\":\"codestral-22b\",\"prompt\":\"x\",\"stop\":5}           | stop: Input should be",
            "{\"model\":\"codestral-22b\",\"prompt\":\"x\",\"temperature\":-1}   | temperature must be non-negative",
            "{\"model\":\"codestral-22b\",\"prompt\":\"x\",\"stream_options\":{\"include_usage\":true}} | Stream options can only be defined when `stream=True`."
    })
    void invalidCompletionFieldsAre400NamingTheField(String body, String message) throws Exception {
        assertVllmError(complete(body), 400, "BadRequestError", message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"model\":\"codestral-22b\"}                                     | messages: Field required",
            "{\"model\":\"codestral-22b\",\"messages\":[]}                     | messages: List should have at least 1 item",
            "{\"model\":\"codestral-22b\",\"messages\":[{\"content\":\"hi\"}]} | messages[0].role: Field required",
            "{\"model\":\"codestral-22b\",\"messages\":[{\"role\":\"user\",\"content\":5}]} | messages[0].content: Input should be"
    })
    void invalidChatFieldsAre400NamingTheField(String body, String message) throws Exception {
        assertVllmError(TestHttp.post(sim.baseUrl() + "/chat/completions", KEY, body),
                400, "BadRequestError", message);
    }
}
