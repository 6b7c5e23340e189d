package dev.enclave.simulator;

import static dev.enclave.simulator.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MistralPersonalityTest {

    private static ModelSimulator sim;

    @BeforeAll
    static void start() {
        sim = ModelSimulator.start(SimulatorConfig.builder().port(0).personality(Personality.MISTRAL)
                .apiKey(TestHttp.KEY).models(List.of("codestral-latest")).build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Test
    void baseUrlIsTheV1OneMistralDocuments() {
        assertThat(sim.baseUrl()).isEqualTo("http://127.0.0.1:" + sim.port() + "/v1");
    }

    @Test
    void chatAnswersInMistralsShapeAndEndsItsTurn() throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/chat/completions", TestHttp.KEY, """
                {"model":"codestral-latest","messages":[{"role":"user","content":"Reply with OK"}],"max_tokens":200}""");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response.body());
        assertThat(body.get("id").asText()).matches("cmpl-[0-9a-f]{32}");
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(body.at("/choices/0/message/tool_calls").isNull()).isTrue();
        assertThat(body.at("/choices/0/message/content").asText()).doesNotContain("\n");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(body.at("/usage/total_tokens").asInt())
                .isEqualTo(body.at("/usage/prompt_tokens").asInt() + body.at("/usage/completion_tokens").asInt());
    }

    @Test
    void fimTakesPromptAndSuffixAndTheSuffixChangesTheAnswer() throws Exception {
        String withSuffix = TestHttp.post(sim.baseUrl() + "/fim/completions", TestHttp.KEY, """
                {"model":"codestral-latest","prompt":"def add(a, b):","suffix":"return c","max_tokens":6}""").body();
        String without = TestHttp.post(sim.baseUrl() + "/fim/completions", TestHttp.KEY, """
                {"model":"codestral-latest","prompt":"def add(a, b):","max_tokens":6}""").body();

        assertThat(json(withSuffix).at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(json(withSuffix).at("/usage/completion_tokens").asInt()).isEqualTo(6);
        assertThat(json(withSuffix).at("/choices/0/message/content").asText())
                .isNotEqualTo(json(without).at("/choices/0/message/content").asText());
    }

    @Test
    void wrongKeyIsMistralsUnauthorized() throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/chat/completions", "wrong", "{}");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response.body()).get("message").asText()).isEqualTo("Unauthorized");
        assertThat(json(response.body()).get("request_id").asText()).matches("[0-9a-f]{32}");
    }

    @Test
    void unknownModelIsInvalidModel() throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/chat/completions", TestHttp.KEY, """
                {"model":"mistral-huge","messages":[{"role":"user","content":"hi"}]}""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response.body())).isEqualTo(json("""
                {"object":"error","message":"Invalid model: mistral-huge","type":"invalid_model","param":null,"code":"1500"}"""));
    }

    @Test
    void fieldErrorsAreFastApi422s() throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/chat/completions", TestHttp.KEY, """
                {"model":"codestral-latest","messages":[{"content":"hi"}]}""");

        assertThat(response.statusCode()).isEqualTo(422);
        JsonNode detail = json(response.body()).at("/detail/0");
        assertThat(detail.get("type").asText()).isEqualTo("missing");
        assertThat(detail.get("loc")).isEqualTo(json("[\"body\",\"messages\",0,\"role\"]"));
        assertThat(detail.get("msg").asText()).isEqualTo("Field required");
    }

    @Test
    void injectedFailuresUseMistralsErrorShape() throws Exception {
        sim.faults().failNext(1, 503);
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/fim/completions", TestHttp.KEY, """
                {"model":"codestral-latest","prompt":"x"}""");

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(json(response.body()).get("object").asText()).isEqualTo("error");
        assertThat(json(response.body()).get("message").asText()).contains("HTTP 503");
    }

    @Test
    void fimStreamsChatCompletionChunksWithUsageOnTheLast() throws Exception {
        String request = """
                {"model":"codestral-latest","prompt":"def add(a, b):","suffix":"return c","max_tokens":5%s}""";
        JsonNode whole = json(TestHttp.post(sim.baseUrl() + "/fim/completions", TestHttp.KEY,
                request.formatted("")).body());

        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/fim/completions", TestHttp.KEY,
                request.formatted(",\"stream\":true"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
        List<JsonNode> chunks = TestHttp.chunks(response.body());
        assertThat(chunks).hasSize(6).allSatisfy(chunk -> {
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("id").asText()).isEqualTo(chunks.get(0).get("id").asText());
            assertThat(chunk.get("model").asText()).isEqualTo("codestral-latest");
        });
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        assertThat(chunks.get(0).at("/choices/0/delta/content").asText()).isEmpty();
        List<JsonNode> content = chunks.subList(1, 6);
        assertThat(content.subList(0, 4)).allSatisfy(chunk -> {
            assertThat(chunk.at("/choices/0/finish_reason").isNull()).isTrue();
            assertThat(chunk.has("usage")).isFalse();
        });
        JsonNode last = content.get(4);
        assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(last.get("usage")).isEqualTo(whole.get("usage"));
        assertThat(content.stream().map(chunk -> chunk.at("/choices/0/delta/content").asText()).reduce("", String::concat))
                .isEqualTo(whole.at("/choices/0/message/content").asText());
    }

    @Test
    void chatStreamEndsItsTurnWithStop() throws Exception {
        String request = """
                {"model":"codestral-latest","messages":[{"role":"user","content":"Reply with OK"}],"max_tokens":200%s}""";
        JsonNode whole = json(TestHttp.post(sim.baseUrl() + "/chat/completions", TestHttp.KEY,
                request.formatted("")).body());

        List<JsonNode> chunks = TestHttp.chunks(TestHttp.post(sim.baseUrl() + "/chat/completions", TestHttp.KEY,
                request.formatted(",\"stream\":true")).body());

        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(last.get("usage")).isEqualTo(whole.get("usage"));
        assertThat(chunks.subList(1, chunks.size()).stream()
                .map(chunk -> chunk.at("/choices/0/delta/content").asText()).reduce("", String::concat))
                .isEqualTo(whole.at("/choices/0/message/content").asText());
    }
}
