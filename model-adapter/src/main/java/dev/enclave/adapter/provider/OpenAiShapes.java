package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enclave.adapter.rest.AdapterWire;

/** OpenAI's request and response shapes, which the OpenAI-compatible servers, Azure and Mistral share. */
final class OpenAiShapes {

    private OpenAiShapes() {
    }

    /**
     * {@code messages} or {@code prompt}, with {@code max_tokens}, {@code temperature}, {@code stop} (the
     * call's stop sequences, when it has any) and {@code stream: false}.
     */
    static ObjectNode body(ObjectMapper json, AdapterWire.GenerateRequest request) {
        return body(json, request, false);
    }

    /**
     * The body of a streamed call: {@code stream: true}, and {@code stream_options.include_usage},
     * without which OpenAI's servers leave the token counts out of a stream.
     */
    static ObjectNode streamBody(ObjectMapper json, AdapterWire.GenerateRequest request) {
        ObjectNode body = body(json, request, true);
        body.putObject("stream_options").put("include_usage", true);
        return body;
    }

    static ObjectNode body(ObjectMapper json, AdapterWire.GenerateRequest request, boolean stream) {
        ObjectNode body = json.createObjectNode();
        if (request.messages() != null) {
            body.set("messages", json.valueToTree(request.messages()));
        } else {
            body.put("prompt", request.prompt());
        }
        if (request.maxTokens() != null) {
            body.put("max_tokens", request.maxTokens());
        }
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        stop(body, "stop", request);
        body.put("stream", stream);
        return body;
    }

    /** The call's stop sequences as a JSON array in {@code field}, left out when there are none. */
    static void stop(ObjectNode body, String field, AdapterWire.GenerateRequest request) {
        if (!request.stopSequences().isEmpty()) {
            request.stopSequences().forEach(body.putArray(field)::add);
        }
    }

    /** The first choice: {@code message.content} for chat completions, {@code text} for completions. */
    static AdapterWire.GenerateResponse answer(JsonNode root, boolean chat) throws UnexpectedAnswerException {
        JsonNode choice = root.path("choices").path(0);
        if (!choice.isObject()) {
            throw new UnexpectedAnswerException("without choices");
        }
        String text = chat ? choice.path("message").path("content").asText("") : choice.path("text").asText("");
        JsonNode usage = root.path("usage");
        return new AdapterWire.GenerateResponse(text, choice.path("finish_reason").asText(null),
                root.path("model").asText(null),
                usage.isObject() ? new AdapterWire.Usage(usage.path("prompt_tokens").asInt(),
                        usage.path("completion_tokens").asInt()) : null);
    }
}
