package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.egress.ModelHttpResponse;
import dev.enclave.adapter.rest.AdapterWire;
import dev.enclave.adapter.stream.AnthropicStreamParser;
import dev.enclave.adapter.stream.StreamParser;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Anthropic's Messages API: {@code POST /v1/messages} with {@code x-api-key} and
 * {@code anthropic-version: 2023-06-01}; body {@code {model, max_tokens, system, messages}}, the stop
 * sequences in {@code stop_sequences}.
 */
@ApplicationScoped
public class AnthropicProvider implements ModelProvider {

    static final String API_VERSION = "2023-06-01";
    /** Anthropic requires {@code max_tokens}; this is what a call that leaves it out gets. */
    static final int DEFAULT_MAX_TOKENS = 1024;

    private final ObjectMapper json;

    public AnthropicProvider(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public String name() {
        return "anthropic";
    }

    @Override
    public ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        return call(request, endpoint, false);
    }

    @Override
    public ProviderCall streamCall(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        return call(request, endpoint, true);
    }

    @Override
    public StreamParser streamParser(AdapterWire.GenerateRequest request, StreamParser.Sink sink, int maxBytes) {
        return new AnthropicStreamParser(json, AnthropicProvider::finishReason, sink, maxBytes);
    }

    private ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint, boolean stream) {
        ObjectNode body = json.createObjectNode();
        body.put("model", request.model().identifier());
        body.setAll(messagesBody(request, name(), stream));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", stream ? "text/event-stream" : "application/json");
        headers.put("anthropic-version", API_VERSION);
        if (request.model().apiKey() != null && !request.model().apiKey().isEmpty()) {
            headers.put("x-api-key", request.model().apiKey());
        }
        return new ProviderCall(endpoint.basePathWithout("/v1") + "/v1/messages", headers,
                body.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The Messages body without {@code model}: {@code max_tokens}, {@code system}, {@code messages},
     * {@code temperature}, {@code stream}. Claude on Vertex AI takes the same, naming the model in its path.
     */
    ObjectNode messagesBody(AdapterWire.GenerateRequest request, String provider, boolean stream) {
        ChatTurns chat = ChatTurns.of(request, provider);
        ObjectNode body = json.createObjectNode();
        body.put("max_tokens", request.maxTokens() != null ? request.maxTokens() : DEFAULT_MAX_TOKENS);
        if (!chat.system().isEmpty()) {
            body.put("system", String.join("\n\n", chat.system()));
        }
        ArrayNode messages = body.putArray("messages");
        for (ChatTurns.Turn turn : chat.turns()) {
            ObjectNode message = messages.addObject().put("role", turn.role());
            ArrayNode content = message.putArray("content");
            turn.texts().forEach(text -> content.addObject().put("type", "text").put("text", text));
        }
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        OpenAiShapes.stop(body, "stop_sequences", request);
        if (stream) {
            body.put("stream", true);
        }
        return body;
    }

    @Override
    public AdapterWire.GenerateResponse answer(JsonNode body, AdapterWire.GenerateRequest request)
            throws UnexpectedAnswerException {
        JsonNode content = body.path("content");
        if (!content.isArray()) {
            throw new UnexpectedAnswerException("without content");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : content) {
            if ("text".equals(block.path("type").asText())) {
                text.append(block.path("text").asText());
            }
        }
        JsonNode usage = body.path("usage");
        return new AdapterWire.GenerateResponse(text.toString(), finishReason(body.path("stop_reason").asText(null)),
                body.path("model").asText(request.model().identifier()),
                usage.isObject() ? new AdapterWire.Usage(usage.path("input_tokens").asInt(),
                        usage.path("output_tokens").asInt()) : null);
    }

    /** OpenAI's words for Anthropic's: {@code end_turn}/{@code stop_sequence} → stop, {@code max_tokens} → length. */
    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "end_turn", "stop_sequence" -> "stop";
            case "max_tokens" -> "length";
            default -> stopReason;
        };
    }

    /**
     * {@code {"type":"error","error":{"type":"not_found_error","message":"model: x"}}} becomes
     * {@code not_found_error: model: x}.
     */
    @Override
    public String errorReason(ModelHttpResponse response) {
        JsonNode root = ErrorBodies.json(json, response.body());
        JsonNode error = root == null ? null : root.path("error");
        if (error != null && error.path("message").isTextual()) {
            String type = error.path("type").asText("");
            return (type.isEmpty() ? "" : type + ": ") + error.get("message").asText();
        }
        String other = ErrorBodies.openAiReason(root);
        return other != null ? other : ErrorBodies.raw(response.body());
    }
}
