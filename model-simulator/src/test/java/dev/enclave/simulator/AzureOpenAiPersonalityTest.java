package dev.enclave.simulator;

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

class AzureOpenAiPersonalityTest {

    private static final String DEPLOYMENT = "gpt-4o-prod";
    private static ModelSimulator sim;

    @BeforeAll
    static void start() {
        sim = ModelSimulator.start(SimulatorConfig.builder().port(0).personality(Personality.AZURE_OPENAI)
                .apiKey(TestHttp.KEY).models(List.of(DEPLOYMENT)).build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static HttpResponse<String> post(String pathAndQuery, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(sim.baseUrl() + pathAndQuery))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("api-key", key);
        }
        return TestHttp.send(request.build());
    }

    @Test
    void chatAnswersInOpenAisShapeUnderTheDeploymentPath() throws Exception {
        HttpResponse<String> response = post("/openai/deployments/" + DEPLOYMENT
                + "/chat/completions?api-version=2024-02-01", TestHttp.KEY, """
                {"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Reply with OK"}],"max_tokens":300}""");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response.body());
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("model").asText()).isEqualTo(DEPLOYMENT);
        assertThat(body.at("/choices/0/message/content").isTextual()).isTrue();
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(sim.recordedRequests().get(sim.recordedRequests().size() - 1).query())
                .isEqualTo("api-version=2024-02-01");
    }

    @Test
    void completionsAnswerWithText() throws Exception {
        JsonNode body = json(post("/openai/deployments/" + DEPLOYMENT + "/completions?api-version=2024-02-01",
                TestHttp.KEY, "{\"prompt\":\"def add(a, b):\",\"max_tokens\":3}").body());

        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void wrongKeyIsAccessDenied() throws Exception {
        HttpResponse<String> response = post("/openai/deployments/" + DEPLOYMENT
                + "/chat/completions?api-version=2024-02-01", "wrong", "{}");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response.body()).at("/error/code").asText()).isEqualTo("401");
        assertThat(json(response.body()).at("/error/message").asText()).startsWith("Access denied");
    }

    @Test
    void apiVersionAndDeploymentAreChecked() throws Exception {
        HttpResponse<String> noVersion = post("/openai/deployments/" + DEPLOYMENT + "/chat/completions",
                TestHttp.KEY, "{}");
        HttpResponse<String> badVersion = post("/openai/deployments/" + DEPLOYMENT
                + "/chat/completions?api-version=latest", TestHttp.KEY, "{}");
        HttpResponse<String> unknown = post("/openai/deployments/nope/chat/completions?api-version=2024-02-01",
                TestHttp.KEY, "{}");

        assertThat(noVersion.statusCode()).isEqualTo(404);
        assertThat(json(noVersion.body()).at("/error/message").asText()).isEqualTo("Resource not found");
        assertThat(badVersion.statusCode()).isEqualTo(400);
        assertThat(json(badVersion.body()).at("/error/message").asText()).isEqualTo("API version not supported");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown.body()).at("/error/code").asText()).isEqualTo("DeploymentNotFound");
    }

    @Test
    void chatStreamsOpenAiChunksWithAClosingChunkAndOptionalUsage() throws Exception {
        String path = "/openai/deployments/" + DEPLOYMENT + "/chat/completions?api-version=2024-10-21";
        String request = """
                {"messages":[{"role":"user","content":"Reply with OK"}],"max_tokens":3%s}""";
        JsonNode whole = json(post(path, TestHttp.KEY, request.formatted("")).body());

        HttpResponse<String> response = post(path, TestHttp.KEY,
                request.formatted(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<JsonNode> chunks = TestHttp.chunks(response.body());
        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk"));
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        JsonNode usageChunk = chunks.get(chunks.size() - 1);
        assertThat(usageChunk.get("choices")).isEmpty();
        assertThat(usageChunk.get("usage")).isEqualTo(whole.get("usage"));
        JsonNode closing = chunks.get(chunks.size() - 2);
        assertThat(closing.at("/choices/0/delta").isEmpty()).isTrue();
        assertThat(closing.at("/choices/0/finish_reason").asText()).isEqualTo(whole.at("/choices/0/finish_reason").asText());
        List<JsonNode> content = chunks.subList(1, chunks.size() - 2);
        assertThat(content).allSatisfy(chunk -> {
            assertThat(chunk.at("/choices/0/finish_reason").isNull()).isTrue();
            assertThat(chunk.get("usage").isNull()).isTrue();
        });
        assertThat(content.stream().map(chunk -> chunk.at("/choices/0/delta/content").asText()).reduce("", String::concat))
                .isEqualTo(whole.at("/choices/0/message/content").asText());
    }

    @Test
    void completionsStreamTextChunksAndStreamOptionsNeedStream() throws Exception {
        String path = "/openai/deployments/" + DEPLOYMENT + "/completions?api-version=2024-10-21";
        JsonNode whole = json(post(path, TestHttp.KEY, "{\"prompt\":\"def f(\",\"max_tokens\":3}").body());

        List<JsonNode> chunks = TestHttp.chunks(post(path, TestHttp.KEY,
                "{\"prompt\":\"def f(\",\"max_tokens\":3,\"stream\":true}").body());
        HttpResponse<String> optionsWithoutStream = post(path, TestHttp.KEY,
                "{\"prompt\":\"def f(\",\"stream_options\":{\"include_usage\":true}}");

        assertThat(chunks).hasSize(4).allSatisfy(chunk -> {
            assertThat(chunk.get("object").asText()).isEqualTo("text_completion");
            assertThat(chunk.has("usage")).isFalse();
        });
        assertThat(chunks.get(3).at("/choices/0/text").asText()).isEmpty();
        assertThat(chunks.get(3).at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(chunks.stream().map(chunk -> chunk.at("/choices/0/text").asText()).reduce("", String::concat))
                .isEqualTo(whole.at("/choices/0/text").asText());
        assertThat(optionsWithoutStream.statusCode()).isEqualTo(400);
        assertThat(json(optionsWithoutStream.body()).at("/error/param").asText()).isEqualTo("stream_options");
    }
}
