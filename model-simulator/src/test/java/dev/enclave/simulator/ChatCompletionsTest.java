package dev.enclave.simulator;

import static dev.enclave.simulator.TestHttp.chunks;
import static dev.enclave.simulator.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChatCompletionsTest {

    private static final String MESSAGES = """
            [{"role":"system","content":"You write Python."},{"role":"user","content":"Sum two numbers"}]""";

    private static ModelSimulator sim;

    @BeforeAll
    static void start() {
        sim = ModelSimulator.start(SimulatorConfig.builder().port(0).build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static JsonNode chat(String body) throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/chat/completions", null, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response.body());
    }

    @Test
    void answersWithVllmChatShape() throws Exception {
        JsonNode body = chat("""
                {"model":"codestral-22b","messages":%s,"max_tokens":7}""".formatted(MESSAGES));

        assertThat(body.get("id").asText()).matches("chatcmpl-[0-9a-f]{32}");
        assertThat(body.get("object").asText()).isEqualTo("chat.completion");
        assertThat(body.get("created").asLong()).isPositive();
        assertThat(body.get("model").asText()).isEqualTo("codestral-22b");
        JsonNode choice = body.at("/choices/0");
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.at("/message/role").asText()).isEqualTo("assistant");
        assertThat(choice.at("/message/content").asText()).isNotEmpty();
        assertThat(choice.at("/message/tool_calls").isArray()).isTrue();
        assertThat(choice.at("/message/tool_calls")).isEmpty();
        assertThat(choice.get("logprobs").isNull()).isTrue();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
        assertThat(choice.get("stop_reason").isNull()).isTrue();
        // 3 + 3 words of content, one role marker per message, one for the assistant turn
        assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(9);
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(7);
        assertThat(body.at("/usage/total_tokens").asInt()).isEqualTo(16);
    }

    @Test
    void outputIsDeterministicPerConversation() throws Exception {
        String request = """
                {"model":"codestral-22b","messages":%s,"max_tokens":10}""";
        String first = chat(request.formatted(MESSAGES)).at("/choices/0/message/content").asText();
        String again = chat(request.formatted(MESSAGES)).at("/choices/0/message/content").asText();
        String other = chat(request.formatted("""
                [{"role":"user","content":"Reverse a list"}]""")).at("/choices/0/message/content").asText();

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void maxCompletionTokensWinsAndContentPartsCount() throws Exception {
        JsonNode body = chat("""
                {"model":"codestral-22b","max_tokens":2,"max_completion_tokens":5,
                 "messages":[{"role":"user","content":[{"type":"text","text":"Sum two numbers"}]}]}""");
        JsonNode plain = chat("""
                {"model":"codestral-22b","max_tokens":5,"messages":[{"role":"user","content":"Sum two numbers"}]}""");

        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(5);
        assertThat(body.at("/choices/0/message/content")).isEqualTo(plain.at("/choices/0/message/content"));
    }

    @Test
    void streamsRoleThenContentDeltasThenUsageAndDone() throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/chat/completions", null, """
                {"model":"codestral-22b","messages":%s,"max_tokens":4,"stream":true,
                 "stream_options":{"include_usage":true}}""".formatted(MESSAGES));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        List<JsonNode> chunks = chunks(response.body());
        assertThat(chunks).hasSize(6);
        assertThat(chunks).allSatisfy(
                chunk -> assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk"));
        assertThat(chunks.get(0).at("/choices/0/delta").toString()).isEqualTo("{\"role\":\"assistant\",\"content\":\"\"}");
        assertThat(chunks.subList(1, 5)).allSatisfy(chunk -> {
            assertThat(chunk.at("/choices/0/delta/role").isMissingNode()).isTrue();
            assertThat(chunk.at("/choices/0/delta/content").isTextual()).isTrue();
        });
        assertThat(chunks.subList(0, 4)).allSatisfy(
                chunk -> assertThat(chunk.at("/choices/0/finish_reason").isNull()).isTrue());
        assertThat(chunks.get(4).at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(chunks.get(5).get("choices")).isEmpty();
        assertThat(chunks.get(5).at("/usage/completion_tokens").asInt()).isEqualTo(4);

        String streamed = chunks.subList(1, 5).stream()
                .map(chunk -> chunk.at("/choices/0/delta/content").asText())
                .reduce("", String::concat);
        String whole = chat("""
                {"model":"codestral-22b","messages":%s,"max_tokens":4}""".formatted(MESSAGES))
                .at("/choices/0/message/content").asText();
        assertThat(streamed).isEqualTo(whole);
    }

    @Test
    void streamWithoutIncludeUsageHasNoUsageChunk() throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/chat/completions", null, """
                {"model":"codestral-22b","messages":%s,"max_tokens":2,"stream":true}""".formatted(MESSAGES));

        List<JsonNode> chunks = chunks(response.body());
        assertThat(chunks).hasSize(3);
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.has("usage")).isFalse();
            assertThat(chunk.get("choices")).hasSize(1);
        });
    }
}
