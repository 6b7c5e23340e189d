package dev.enclave.simulator;

import static dev.enclave.simulator.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AnthropicPersonalityTest {

    private static final String MODEL = "claude-3-5-sonnet-20241022";
    private static ModelSimulator sim;

    @BeforeAll
    static void start() {
        sim = ModelSimulator.start(SimulatorConfig.builder().port(0).personality(Personality.ANTHROPIC)
                .apiKey(TestHttp.KEY).models(List.of(MODEL)).build());
    }

    @AfterEach
    void reset() {
        sim.faults().clear();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static HttpResponse<String> messages(String key, String version, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/messages"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("x-api-key", key);
        }
        if (version != null) {
            request.header("anthropic-version", version);
        }
        return TestHttp.send(request.build());
    }

    private static HttpResponse<String> messages(String body) throws Exception {
        return messages(TestHttp.KEY, "2023-06-01", body);
    }

    @Test
    void answersInTheMessagesShape() throws Exception {
        HttpResponse<String> response = messages("""
                {"model":"%s","max_tokens":300,"system":"Be brief.","messages":[{"role":"user","content":"Reply with OK"}]}"""
                .formatted(MODEL));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
        JsonNode body = json(response.body());
        assertThat(body.get("id").asText()).matches("msg_[0-9A-Za-z]{24}");
        assertThat(body.get("type").asText()).isEqualTo("message");
        assertThat(body.get("role").asText()).isEqualTo("assistant");
        assertThat(body.get("model").asText()).isEqualTo(MODEL);
        assertThat(body.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(body.get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(body.get("stop_sequence").isNull()).isTrue();
        assertThat(body.at("/usage/input_tokens").asInt()).isPositive();
    }

    @Test
    void tokenLimitIsMaxTokens() throws Exception {
        JsonNode body = json(messages("""
                {"model":"%s","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"Hello there"}]}]}"""
                .formatted(MODEL)).body());

        assertThat(body.get("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(body.at("/usage/output_tokens").asInt()).isEqualTo(1);
    }

    @Test
    void keyAndVersionHeadersAreRequired() throws Exception {
        String body = "{\"model\":\"%s\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .formatted(MODEL);

        HttpResponse<String> noKey = messages(null, "2023-06-01", body);
        HttpResponse<String> wrongKey = messages("wrong", "2023-06-01", body);
        HttpResponse<String> noVersion = messages(TestHttp.KEY, null, body);

        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(json(noKey.body()).at("/error/message").asText()).isEqualTo("x-api-key header is required");
        assertThat(wrongKey.statusCode()).isEqualTo(401);
        assertThat(json(wrongKey.body()).at("/type").asText()).isEqualTo("error");
        assertThat(json(wrongKey.body()).at("/error/type").asText()).isEqualTo("authentication_error");
        assertThat(json(wrongKey.body()).at("/error/message").asText()).isEqualTo("invalid x-api-key");
        assertThat(noVersion.statusCode()).isEqualTo(400);
        assertThat(json(noVersion.body()).at("/error/message").asText()).isEqualTo("anthropic-version: header is required");
    }

    @Test
    void maxTokensIsRequiredAndUnknownModelsAreNotFound() throws Exception {
        HttpResponse<String> noMax = messages("""
                {"model":"%s","messages":[{"role":"user","content":"hi"}]}""".formatted(MODEL));
        HttpResponse<String> unknown = messages("""
                {"model":"claude-0","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""");

        assertThat(noMax.statusCode()).isEqualTo(400);
        assertThat(json(noMax.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(noMax.body()).at("/error/message").asText()).isEqualTo("max_tokens: Field required");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown.body()).at("/error/type").asText()).isEqualTo("not_found_error");
        assertThat(json(unknown.body()).at("/error/message").asText()).isEqualTo("model: claude-0");
    }

    @Test
    void overloadIs529() throws Exception {
        sim.faults().failNext(1, 529);
        HttpResponse<String> response = messages("""
                {"model":"%s","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""".formatted(MODEL));

        assertThat(response.statusCode()).isEqualTo(529);
        assertThat(json(response.body()).at("/error/type").asText()).isEqualTo("overloaded_error");
    }

    @Test
    void streamsTheMessagesEventsInOrder() throws Exception {
        String request = """
                {"model":"%s","max_tokens":4,"messages":[{"role":"user","content":"Hello there"}]%s}""";
        JsonNode whole = json(messages(request.formatted(MODEL, "")).body());

        HttpResponse<String> response = messages(request.formatted(MODEL, ",\"stream\":true"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
        assertThat(response.headers().firstValue("request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
        List<StreamWire.Event> events = StreamWire.ANTHROPIC.events(response.body().getBytes(StandardCharsets.UTF_8));
        List<String> deltas = events.stream().filter(event -> event.name().equals("content_block_delta"))
                .map(event -> event.json().at("/delta/text").asText()).toList();
        List<String> expected = new ArrayList<>(List.of("message_start", "content_block_start", "ping"));
        deltas.forEach(delta -> expected.add("content_block_delta"));
        expected.addAll(List.of("content_block_stop", "message_delta", "message_stop"));
        assertThat(events).extracting(StreamWire.Event::name).containsExactlyElementsOf(expected);
        assertThat(events).allSatisfy(event -> assertThat(event.json().get("type").asText()).isEqualTo(event.name()));

        JsonNode start = events.get(0).json().get("message");
        assertThat(start.get("id").asText()).matches("msg_[0-9A-Za-z]{24}");
        assertThat(start.get("content")).isEmpty();
        assertThat(start.get("stop_reason").isNull()).isTrue();
        assertThat(start.at("/usage/input_tokens")).isEqualTo(whole.at("/usage/input_tokens"));
        assertThat(events.get(1).json().get("content_block").toString()).isEqualTo("{\"type\":\"text\",\"text\":\"\"}");
        assertThat(events.get(3).json().at("/delta/type").asText()).isEqualTo("text_delta");
        assertThat(String.join("", deltas)).isEqualTo(whole.at("/content/0/text").asText());
        JsonNode messageDelta = events.get(events.size() - 2).json();
        assertThat(messageDelta.at("/delta/stop_reason")).isEqualTo(whole.get("stop_reason"));
        assertThat(messageDelta.at("/delta/stop_sequence")).isEqualTo(whole.get("stop_sequence"));
        assertThat(messageDelta.at("/usage/output_tokens")).isEqualTo(whole.at("/usage/output_tokens"));
    }

    @Test
    void streamingNeedsTheKeyToo() throws Exception {
        HttpResponse<String> response = messages("wrong", "2023-06-01", """
                {"model":"%s","max_tokens":4,"stream":true,"messages":[{"role":"user","content":"hi"}]}""".formatted(MODEL));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response.body()).at("/error/type").asText()).isEqualTo("authentication_error");
    }
}
