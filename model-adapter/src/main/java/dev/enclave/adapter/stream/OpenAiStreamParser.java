package dev.enclave.adapter.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;


/**
 * OpenAI's streamed completions, as vLLM, Ollama, llama.cpp, TGI, Azure OpenAI and Mistral send
 * them: SSE {@code data:} JSON chunks, the text in {@code choices[0].text} (completions) or
 * {@code choices[0].delta.content} (chat completions, Mistral's FIM too), {@code finish_reason} on
 * the last content chunk, optionally a usage chunk with {@code choices: []} (Mistral puts
 * {@code usage} on the last content chunk), then {@code data: [DONE]}. An error object in the
 * stream ends it.
 */
public final class OpenAiStreamParser extends SseParser {

    private final ObjectMapper json;

    public OpenAiStreamParser(ObjectMapper json, Sink sink, int maxLineChars) {
        super(sink, maxLineChars);
        this.json = json;
    }

    @Override
    protected void event(String event, String data) throws ModelStreamException {
        if ("[DONE]".equals(data.strip())) {
            finish();
            return;
        }
        JsonNode chunk = jsonObject(json, data, "stream chunk");
        String failure = error(chunk);
        if (failure != null || "error".equals(event)) {
            throw new ModelStreamException("sent an error in its stream: "
                    + (failure != null ? failure : data.substring(0, Math.min(200, data.length()))));
        }
        if (chunk.path("model").isTextual()) {
            model = chunk.get("model").asText();
        }
        JsonNode choice = chunk.path("choices").path(0);
        if (choice.isObject()) {
            JsonNode delta = choice.path("delta");
            text(delta.isObject() ? delta.path("content").asText("") : choice.path("text").asText(""));
            if (choice.path("finish_reason").isTextual()) {
                finishReason = choice.get("finish_reason").asText();
            }
        }
        JsonNode usage = chunk.path("usage");
        if (usage.isObject()) {
            if (usage.path("prompt_tokens").isNumber()) {
                promptTokens = usage.get("prompt_tokens").asInt();
            }
            if (usage.path("completion_tokens").isNumber()) {
                completionTokens = usage.get("completion_tokens").asInt();
            }
        }
    }

    /** vLLM's {@code {"object":"error","message"}}, OpenAI's {@code {"error":{"message"}}}, or a bare {@code error}. */
    private static String error(JsonNode chunk) {
        JsonNode error = chunk.path("error");
        if (error.isObject()) {
            return error.path("message").asText(error.toString());
        }
        if (error.isTextual()) {
            return error.asText();
        }
        if ("error".equals(chunk.path("object").asText())) {
            return chunk.path("message").asText("error");
        }
        return null;
    }
}
