package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code POST /v1/completions}. */
final class CompletionsHandler extends InferenceHandler {

    CompletionsHandler(SimulatorState state) {
        super(state);
    }

    @Override
    String idPrefix() {
        return "cmpl-";
    }

    @Override
    String responseObject() {
        return "text_completion";
    }

    @Override
    String chunkObject() {
        return "text_completion";
    }

    /** Seeds with model, prompt and (for fill-in-the-middle requests) suffix. */
    @Override
    Prompt prompt(String model, RequestFields fields) throws ApiException {
        String prompt = firstPrompt(fields.get("prompt"));
        JsonNode suffix = fields.get("suffix");
        if (suffix != null && !suffix.isTextual()) {
            throw RequestFields.invalid("suffix", "a valid string");
        }
        String seedText = model + "\u0000" + prompt + (suffix == null ? "" : "\u0000" + suffix.asText());
        return new Prompt(prompt, seedText);
    }

    /** vLLM accepts a batch of prompts; the simulator answers the first one only. */
    private static String firstPrompt(JsonNode prompt) throws ApiException {
        if (prompt == null) {
            throw RequestFields.missing("prompt");
        }
        if (prompt.isTextual()) {
            return prompt.asText();
        }
        ApiException invalid = RequestFields.invalid("prompt", "a valid string or a non-empty list of strings");
        if (!prompt.isArray() || prompt.isEmpty()) {
            throw invalid;
        }
        for (JsonNode item : prompt) {
            if (!item.isTextual()) {
                throw invalid;
            }
        }
        return prompt.get(0).asText();
    }

    @Override
    Integer maxTokens(RequestFields fields) throws ApiException {
        return fields.optionalInt("max_tokens");
    }

    @Override
    ObjectNode responseChoice(int index, Generation generation) {
        ObjectNode choice = Json.MAPPER.createObjectNode();
        choice.put("index", index);
        choice.put("text", generation.text());
        choice.putNull("logprobs");
        choice.put("finish_reason", generation.finishReason());
        choice.put("stop_reason", generation.stopReason());
        choice.putNull("prompt_logprobs");
        return choice;
    }

    @Override
    ObjectNode streamChoice(int index, String piece, Generation finished) {
        ObjectNode choice = Json.MAPPER.createObjectNode();
        choice.put("index", index);
        choice.put("text", piece);
        choice.putNull("logprobs");
        choice.put("finish_reason", finished == null ? null : finished.finishReason());
        choice.put("stop_reason", finished == null ? null : finished.stopReason());
        return choice;
    }
}
