package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;

/** Reading the reason out of model servers' error bodies. */
final class ErrorBodies {

    private ErrorBodies() {
    }

    /** The body as JSON, or null when it is not JSON. */
    static JsonNode json(ObjectMapper mapper, String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return mapper.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * OpenAI's shapes, shared by vLLM, Ollama, llama.cpp, TGI and Azure: {@code error.message}, a
     * bare {@code error}, {@code message}, {@code detail}.
     */
    static String openAiReason(JsonNode root) {
        if (root == null) {
            return null;
        }
        JsonNode error = root.path("error");
        if (error.isObject() && error.hasNonNull("message")) {
            return error.get("message").asText();
        }
        if (error.isTextual()) {
            return error.asText();
        }
        if (root.path("message").isTextual()) {
            return root.get("message").asText();
        }
        if (root.path("detail").isTextual()) {
            return root.get("detail").asText();
        }
        return null;
    }

    /** The reason when the body has none we recognise: its start, or that it was empty. */
    static String raw(String body) {
        String trimmed = body == null ? "" : body.strip();
        return trimmed.isEmpty() ? "(empty body)" : trimmed.substring(0, Math.min(200, trimmed.length()));
    }
}
