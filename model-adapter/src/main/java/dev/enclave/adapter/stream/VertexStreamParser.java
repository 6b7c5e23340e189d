package dev.enclave.adapter.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.function.UnaryOperator;

/**
 * Vertex AI's {@code :streamGenerateContent?alt=sse}: SSE events whose data is a whole
 * {@code GenerateContentResponse}: text in {@code candidates[0].content.parts[].text}, the
 * {@code finishReason} on the last candidate chunk, {@code usageMetadata} (running totals; the last
 * one counts). There is no end marker: the stream is done when the body ends after a
 * {@code finishReason}. An {@code {"error":{code, message, status}}} event ends it with Google's reason.
 */
public final class VertexStreamParser extends SseParser {

    private final ObjectMapper json;
    private final UnaryOperator<String> finishReasons;

    /** @param finishReasons Vertex's finish reason in OpenAI's words */
    public VertexStreamParser(ObjectMapper json, UnaryOperator<String> finishReasons, String model, Sink sink,
                              int maxLineChars) {
        super(sink, maxLineChars);
        this.json = json;
        this.finishReasons = finishReasons;
        this.model = model;
    }

    @Override
    protected void event(String event, String data) throws ModelStreamException {
        JsonNode body = jsonObject(json, data, "stream event");
        JsonNode error = body.path("error");
        if (error.isObject()) {
            String status = error.path("status").asText("");
            throw new ModelStreamException("sent an error in its stream: " + (status.isEmpty() ? "" : status + ": ")
                    + error.path("message").asText("(no message)"));
        }
        JsonNode candidate = body.path("candidates").path(0);
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (!part.path("thought").asBoolean(false)) {
                text(part.path("text").asText(""));
            }
        }
        if (candidate.path("finishReason").isTextual()) {
            finishReason = finishReasons.apply(candidate.get("finishReason").asText());
        } else if (body.path("promptFeedback").path("blockReason").isTextual()) {
            finishReason = "content_filter";
        }
        JsonNode usage = body.path("usageMetadata");
        if (usage.path("promptTokenCount").isNumber()) {
            promptTokens = usage.get("promptTokenCount").asInt();
        }
        if (usage.path("candidatesTokenCount").isNumber()) {
            completionTokens = usage.get("candidatesTokenCount").asInt();
        }
    }
}
