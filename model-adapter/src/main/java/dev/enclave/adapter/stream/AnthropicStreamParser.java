package dev.enclave.adapter.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.function.UnaryOperator;

/**
 * Anthropic's streamed Messages: SSE events named by {@code event:} (and by the {@code type} of
 * their JSON): {@code message_start} (model, input tokens), {@code content_block_delta} with a
 * {@code text_delta}, {@code message_delta} (stop reason, output tokens), {@code message_stop};
 * {@code ping} keeps the connection alive; {@code error} ends the stream with Anthropic's reason.
 */
public final class AnthropicStreamParser extends SseParser {

    private final ObjectMapper json;
    private final UnaryOperator<String> stopReasons;

    /** @param stopReasons Anthropic's stop reason in OpenAI's words */
    public AnthropicStreamParser(ObjectMapper json, UnaryOperator<String> stopReasons, Sink sink, int maxLineChars) {
        super(sink, maxLineChars);
        this.json = json;
        this.stopReasons = stopReasons;
    }

    @Override
    protected void event(String event, String data) throws ModelStreamException {
        JsonNode body = jsonObject(json, data, "stream event");
        String type = body.path("type").asText(event == null ? "" : event);
        switch (type) {
            case "message_start" -> {
                JsonNode message = body.path("message");
                if (message.path("model").isTextual()) {
                    model = message.get("model").asText();
                }
                tokens(message.path("usage"));
            }
            case "content_block_delta" -> {
                JsonNode delta = body.path("delta");
                if ("text_delta".equals(delta.path("type").asText())) {
                    text(delta.path("text").asText(""));
                }
            }
            case "message_delta" -> {
                JsonNode stop = body.path("delta").path("stop_reason");
                if (stop.isTextual()) {
                    finishReason = stopReasons.apply(stop.asText());
                }
                tokens(body.path("usage"));
            }
            case "message_stop" -> finish();
            case "error" -> {
                JsonNode error = body.path("error");
                String kind = error.path("type").asText("");
                throw new ModelStreamException("sent an error in its stream: " + (kind.isEmpty() ? "" : kind + ": ")
                        + error.path("message").asText("(no message)"));
            }
            default -> {
                // ping, content_block_start/stop and event types added later carry no text
            }
        }
    }

    private void tokens(JsonNode usage) {
        if (usage.path("input_tokens").isNumber()) {
            promptTokens = usage.get("input_tokens").asInt();
        }
        if (usage.path("output_tokens").isNumber()) {
            completionTokens = usage.get("output_tokens").asInt();
        }
    }
}
