package dev.enclave.simulator;

import static dev.enclave.simulator.TestHttp.KEY;
import static dev.enclave.simulator.TestHttp.chunks;
import static dev.enclave.simulator.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CompletionsTest {

    private static ModelSimulator sim;

    @BeforeAll
    static void start() {
        sim = ModelSimulator.start(SimulatorConfig.builder()
                .port(0)
                .apiKey(KEY)
                .models(List.of("codestral-22b", "starcoder2-15b"))
                .build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static JsonNode complete(String body) throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/completions", KEY, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        return json(response.body());
    }

    private static String text(String prompt, int maxTokens) throws Exception {
        return complete("""
                {"model":"codestral-22b","prompt":%s,"max_tokens":%d}"""
                .formatted(TestHttp.MAPPER.writeValueAsString(prompt), maxTokens))
                .at("/choices/0/text").asText();
    }

    @Test
    void listsServedModelsLikeVllm() throws Exception {
        HttpResponse<String> response = TestHttp.get(sim.baseUrl() + "/models", KEY);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response.body());
        assertThat(body.get("object").asText()).isEqualTo("list");
        assertThat(body.get("data")).hasSize(2);
        JsonNode card = body.at("/data/0");
        assertThat(card.get("id").asText()).isEqualTo("codestral-22b");
        assertThat(card.get("object").asText()).isEqualTo("model");
        assertThat(card.get("created").isIntegralNumber()).isTrue();
        assertThat(card.get("owned_by").asText()).isEqualTo("vllm");
        assertThat(card.get("root").asText()).isEqualTo("codestral-22b");
        assertThat(card.get("parent").isNull()).isTrue();
        assertThat(card.get("max_model_len").asInt()).isEqualTo(32768);
        assertThat(card.get("permission").isArray()).isTrue();
        assertThat(body.at("/data/1/id").asText()).isEqualTo("starcoder2-15b");
    }

    @Test
    void answersWithVllmCompletionShape() throws Exception {
        JsonNode body = complete("""
                {"model":"codestral-22b","prompt":"def add(a, b):","max_tokens":5,"temperature":0.2}""");

        assertThat(body.get("id").asText()).matches("cmpl-[0-9a-f]{32}");
        assertThat(body.get("object").asText()).isEqualTo("text_completion");
        assertThat(body.get("created").asLong()).isPositive();
        assertThat(body.get("model").asText()).isEqualTo("codestral-22b");
        assertThat(body.get("choices")).hasSize(1);
        JsonNode choice = body.at("/choices/0");
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("text").asText()).isNotEmpty();
        assertThat(choice.get("logprobs").isNull()).isTrue();
        assertThat(choice.get("finish_reason").asText()).isEqualTo("length");
        assertThat(choice.get("stop_reason").isNull()).isTrue();
        assertThat(choice.get("prompt_logprobs").isNull()).isTrue();
        JsonNode usage = body.get("usage");
        assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(3);
        assertThat(usage.get("completion_tokens").asInt()).isEqualTo(5);
        assertThat(usage.get("total_tokens").asInt()).isEqualTo(8);
        assertThat(usage.get("prompt_tokens_details").isNull()).isTrue();
    }

    @Test
    void outputIsDeterministicPerPromptAndRespectsMaxTokens() throws Exception {
        String first = text("def fib(n):", 12);

        assertThat(text("def fib(n):", 12)).isEqualTo(first);
        assertThat(text("class Stack:", 12)).isNotEqualTo(first);
        assertThat(text("def fib(n):", 4)).isNotEqualTo(first);
        assertThat(first).startsWith(text("def fib(n):", 4));
    }

    @Test
    void otherModelOrSuffixChangesTheOutput() throws Exception {
        String base = text("x = ", 10);
        String otherModel = complete("""
                {"model":"starcoder2-15b","prompt":"x = ","max_tokens":10}""").at("/choices/0/text").asText();
        String withSuffix = complete("""
                {"model":"codestral-22b","prompt":"x = ","suffix":"\\nprint(x)","max_tokens":10}""")
                .at("/choices/0/text").asText();

        assertThat(otherModel).isNotEqualTo(base);
        assertThat(withSuffix).isNotEqualTo(base);
    }

    @Test
    void listOfPromptsAnswersTheFirst() throws Exception {
        String single = text("a b c", 6);
        String fromList = complete("""
                {"model":"codestral-22b","prompt":["a b c","ignored"],"max_tokens":6}""")
                .at("/choices/0/text").asText();

        assertThat(fromList).isEqualTo(single);
    }

    @Test
    void stopSequenceCutsTheTextAndReportsIt() throws Exception {
        String full = text("stop here", 40);
        String stop = full.substring(10, 12);

        JsonNode body = complete("""
                {"model":"codestral-22b","prompt":"stop here","max_tokens":40,"stop":[%s]}"""
                .formatted(TestHttp.MAPPER.writeValueAsString(stop)));

        JsonNode choice = body.at("/choices/0");
        assertThat(choice.get("text").asText()).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(choice.get("stop_reason").asText()).isEqualTo(stop);
        assertThat(body.at("/usage/completion_tokens").asInt()).isLessThan(40);
    }

    @Test
    void nProducesDistinctIndexedChoices() throws Exception {
        JsonNode body = complete("""
                {"model":"codestral-22b","prompt":"def f():","max_tokens":8,"n":3}""");

        assertThat(body.get("choices")).hasSize(3);
        assertThat(body.at("/choices/2/index").asInt()).isEqualTo(2);
        assertThat(body.at("/choices/0/text").asText()).isEqualTo(text("def f():", 8));
        assertThat(body.at("/choices/1/text").asText()).isNotEqualTo(body.at("/choices/0/text").asText());
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(24);
    }

    @Test
    void streamsOneTokenPerEventAndEndsWithDone() throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/completions", KEY, """
                {"model":"codestral-22b","prompt":"def fib(n):","max_tokens":6,"stream":true}""");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        List<JsonNode> chunks = chunks(response.body());
        assertThat(chunks).hasSize(6);
        String id = chunks.get(0).get("id").asText();
        assertThat(id).matches("cmpl-[0-9a-f]{32}");
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.get("id").asText()).isEqualTo(id);
            assertThat(chunk.get("object").asText()).isEqualTo("text_completion");
            assertThat(chunk.get("model").asText()).isEqualTo("codestral-22b");
            assertThat(chunk.get("choices")).hasSize(1);
            assertThat(chunk.has("usage")).isFalse();
        });
        assertThat(chunks.subList(0, 5)).allSatisfy(
                chunk -> assertThat(chunk.at("/choices/0/finish_reason").isNull()).isTrue());
        assertThat(chunks.get(5).at("/choices/0/finish_reason").asText()).isEqualTo("length");
        String streamed = chunks.stream().map(chunk -> chunk.at("/choices/0/text").asText()).reduce("", String::concat);
        assertThat(streamed).isEqualTo(text("def fib(n):", 6));
    }

    @Test
    void streamEndsWithUsageChunkOnlyWhenAskedFor() throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/completions", KEY, """
                {"model":"codestral-22b","prompt":"a b","max_tokens":3,"stream":true,
                 "stream_options":{"include_usage":true}}""");

        List<JsonNode> chunks = chunks(response.body());
        assertThat(chunks).hasSize(4);
        assertThat(chunks.get(2).at("/choices/0/finish_reason").asText()).isEqualTo("length");
        JsonNode usageChunk = chunks.get(3);
        assertThat(usageChunk.get("choices")).isEmpty();
        assertThat(usageChunk.at("/usage/prompt_tokens").asInt()).isEqualTo(2);
        assertThat(usageChunk.at("/usage/completion_tokens").asInt()).isEqualTo(3);
        assertThat(usageChunk.at("/usage/total_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void rejectsRequestsBeyondTheContextWindow() throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + "/completions", KEY, """
                {"model":"codestral-22b","prompt":"one two","max_tokens":32767}""");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response.body()).get("message").asText())
                .startsWith("This model's maximum context length is 32768 tokens. However, you requested 32769 tokens");
    }
}
