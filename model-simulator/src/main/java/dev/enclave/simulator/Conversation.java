package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A chat conversation as the personalities other than vLLM answer it: rendered, seeded and counted
 * exactly as vLLM's chat is (so the same conversation gives the same text), except that the reply
 * ends its turn at the first newline the generator draws, as chat models do.
 */
final class Conversation {

    static final String END_OF_TURN = "\n";

    private final StringBuilder rendered = new StringBuilder();

    void add(String role, String content) {
        rendered.append("<|").append(role).append("|>\n").append(content).append('\n');
    }

    String prompt() {
        return rendered + "<|assistant|>\n";
    }

    int promptTokens() {
        return CompletionGenerator.countTokens(prompt());
    }

    Generation answer(String model, int maxTokens, List<String> stops) {
        List<String> withEndOfTurn = new ArrayList<>(stops);
        if (!withEndOfTurn.contains(END_OF_TURN)) {
            withEndOfTurn.add(END_OF_TURN);
        }
        return CompletionGenerator.generate(model + "\u0000" + prompt(), 0, maxTokens, withEndOfTurn);
    }

    /** The reply finished its turn, rather than hitting the token limit or one of the caller's stop sequences. */
    static boolean endedTurn(Generation generation, List<String> stops) {
        return "stop".equals(generation.finishReason()) && END_OF_TURN.equals(generation.stopReason())
                && !stops.contains(END_OF_TURN);
    }

    /** A raw-prompt completion, seeded as vLLM's {@code /v1/completions} is. */
    static Generation complete(String model, String prompt, String suffix, int maxTokens, List<String> stops) {
        String seedText = model + "\u0000" + prompt + (suffix == null ? "" : "\u0000" + suffix);
        return CompletionGenerator.generate(seedText, 0, maxTokens, stops);
    }

    /** Text of a string content, or of the text parts of a content-block list. */
    static String text(JsonNode content, String field) throws ApiException {
        if (content == null) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw RequestFields.invalid(field, "a valid string or a list of content blocks");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode block : content) {
            if (!block.isObject()) {
                throw RequestFields.invalid(field, "a valid string or a list of content blocks");
            }
            if (block.has("text")) {
                texts.add(block.path("text").asText());
            }
        }
        return String.join("\n", texts);
    }

    /** Validates {@code max_tokens}-like fields the way every provider does: a whole number of at least 1. */
    static int maxTokens(Integer requested, String field) throws ApiException {
        if (requested == null) {
            return InferenceHandler.DEFAULT_MAX_TOKENS;
        }
        if (requested < 1) {
            throw ApiException.invalidField(field, "Input should be greater than or equal to 1");
        }
        return requested;
    }
}
