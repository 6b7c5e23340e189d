package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** {@code POST /v1/chat/completions}. */
final class ChatCompletionsHandler extends InferenceHandler {

    ChatCompletionsHandler(SimulatorState state) {
        super(state);
    }

    @Override
    String idPrefix() {
        return "chatcmpl-";
    }

    @Override
    String responseObject() {
        return "chat.completion";
    }

    @Override
    String chunkObject() {
        return "chat.completion.chunk";
    }

    /**
     * Renders the conversation with a minimal chat template, {@code <|role|>\ncontent\n} per message
     * followed by {@code <|assistant|>\n}; the rendered text is both counted and (after the model id)
     * hashed for the seed.
     */
    @Override
    Prompt prompt(String model, RequestFields fields) throws ApiException {
        JsonNode messages = fields.get("messages");
        if (messages == null) {
            throw RequestFields.missing("messages");
        }
        if (!messages.isArray()) {
            throw RequestFields.invalid("messages", "a valid list");
        }
        if (messages.isEmpty()) {
            throw ApiException.badRequest("messages: List should have at least 1 item");
        }
        StringBuilder rendered = new StringBuilder();
        for (int i = 0; i < messages.size(); i++) {
            String field = "messages[" + i + "]";
            JsonNode message = messages.get(i);
            if (!message.isObject()) {
                throw RequestFields.invalid(field, "a valid dictionary");
            }
            RequestFields messageFields = new RequestFields((ObjectNode) message, field + ".");
            String role = messageFields.requiredString("role");
            rendered.append("<|").append(role).append("|>\n")
                    .append(content(messageFields.get("content"), field + ".content"))
                    .append('\n');
        }
        rendered.append("<|assistant|>\n");
        return new Prompt(rendered.toString(), model + "\u0000" + rendered);
    }

    /** A string, {@code null} (assistant tool-call turns), or a list of content parts whose text parts count. */
    private static String content(JsonNode content, String field) throws ApiException {
        if (content == null) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw RequestFields.invalid(field, "a valid string or a list of content parts");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode part : content) {
            if (!part.isObject()) {
                throw RequestFields.invalid(field, "a valid string or a list of content parts");
            }
            if ("text".equals(part.path("type").asText())) {
                texts.add(part.path("text").asText());
            }
        }
        return String.join("\n", texts);
    }

    /** OpenAI's newer {@code max_completion_tokens} wins over the deprecated {@code max_tokens}, as in vLLM. */
    @Override
    Integer maxTokens(RequestFields fields) throws ApiException {
        Integer maxCompletionTokens = fields.optionalInt("max_completion_tokens");
        Integer maxTokens = fields.optionalInt("max_tokens");
        return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
    }

    @Override
    ObjectNode responseChoice(int index, Generation generation) {
        ObjectNode choice = Json.MAPPER.createObjectNode();
        choice.put("index", index);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", generation.text());
        message.putArray("tool_calls");
        choice.putNull("logprobs");
        choice.put("finish_reason", generation.finishReason());
        choice.put("stop_reason", generation.stopReason());
        return choice;
    }

    @Override
    List<ObjectNode> openingStreamChoices(int n) {
        List<ObjectNode> choices = new ArrayList<>();
        for (int index = 0; index < n; index++) {
            ObjectNode choice = Json.MAPPER.createObjectNode();
            choice.put("index", index);
            choice.putObject("delta").put("role", "assistant").put("content", "");
            choice.putNull("logprobs");
            choice.putNull("finish_reason");
            choices.add(choice);
        }
        return choices;
    }

    /** Like vLLM, only the final chunk of a choice carries {@code stop_reason}. */
    @Override
    ObjectNode streamChoice(int index, String piece, Generation finished) {
        ObjectNode choice = Json.MAPPER.createObjectNode();
        choice.put("index", index);
        choice.putObject("delta").put("content", piece);
        choice.putNull("logprobs");
        if (finished == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finished.finishReason());
            choice.put("stop_reason", finished.stopReason());
        }
        return choice;
    }
}
