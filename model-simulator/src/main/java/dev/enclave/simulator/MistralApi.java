package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Mistral's API (La Plateforme): {@code POST /v1/chat/completions} and, for fill-in-the-middle,
 * {@code POST /v1/fim/completions} with {@code prompt} and {@code suffix}. Both answer in the chat
 * completion shape. The key goes in {@code Authorization: Bearer}.
 */
final class MistralApi extends ProviderApi {

    MistralApi(SimulatorState state) {
        super(state);
    }

    @Override
    List<Route> routes() {
        return List.of(
                new Route("POST", "/v1/chat/completions", this::chat, true),
                new Route("POST", "/v1/fim/completions", this::fim, true));
    }

    @Override
    boolean isApiPath(String rawPath) {
        return rawPath.startsWith("/v1");
    }

    /** Mistral answers a missing or wrong key with {@code {"message":"Unauthorized","request_id":…}}. */
    @Override
    boolean authenticate(HttpExchange exchange, String rawPath, String body) throws IOException {
        if (sameSecret(exchange.getRequestHeaders().getFirst("Authorization"), "Bearer " + state.apiKey())) {
            return true;
        }
        HttpIo.sendJson(exchange, 401, object().put("message", "Unauthorized").put("request_id", hexId()));
        return false;
    }

    /**
     * Field errors are FastAPI's 422 {@code {"detail":[{"type","loc","msg","input"}]}}; the others
     * {@code {"object":"error","message","type","param","code"}}, e.g. an unknown model's
     * {@code "type":"invalid_model","code":"1500"}.
     */
    @Override
    void sendError(HttpExchange exchange, ApiException error) throws IOException {
        if (error.field() != null) {
            ObjectNode body = object();
            ObjectNode detail = body.putArray("detail").addObject();
            detail.put("type", error.problem().equals("Field required") ? "missing" : "value_error");
            ArrayNode loc = detail.putArray("loc").add("body");
            for (String part : error.field().split("[.\\[\\]]+")) {
                if (part.matches("\\d+")) {
                    loc.add(Integer.parseInt(part));
                } else if (!part.isEmpty()) {
                    loc.add(part);
                }
            }
            detail.put("msg", error.problem());
            detail.putNull("input");
            HttpIo.sendJson(exchange, 422, body);
            return;
        }
        ObjectNode body = object();
        body.put("object", "error");
        body.put("message", error.getMessage());
        body.put("type", error.type() != null ? error.type()
                : error.status() >= 500 ? "internal_server_error" : "invalid_request_error");
        body.putNull("param");
        if ("invalid_model".equals(error.type())) {
            body.put("code", "1500");
        } else {
            body.putNull("code");
        }
        HttpIo.sendJson(exchange, error.status(), body);
    }

    private void chat(HttpExchange exchange, String body) throws IOException, ApiException {
        state.faults.inject();
        RequestFields fields = new RequestFields(Json.parseObject(body));
        String model = fields.requiredString("model");
        JsonNode messages = fields.get("messages");
        if (messages == null) {
            throw RequestFields.missing("messages");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw RequestFields.invalid("messages", "a non-empty list");
        }
        Conversation conversation = new Conversation();
        for (int i = 0; i < messages.size(); i++) {
            String field = "messages[" + i + "]";
            if (!messages.get(i).isObject()) {
                throw RequestFields.invalid(field, "a valid dictionary");
            }
            RequestFields message = new RequestFields((ObjectNode) messages.get(i), field + ".");
            String role = message.requiredString("role");
            if (!List.of("system", "user", "assistant", "tool").contains(role)) {
                throw RequestFields.invalid(field + ".role", "'system', 'user', 'assistant' or 'tool'");
            }
            conversation.add(role, Conversation.text(message.get("content"), field + ".content"));
        }
        Sampling sampling = sampling(fields, model);
        Generation generation = conversation.answer(model, sampling.maxTokens, sampling.stops);
        String finishReason = Conversation.endedTurn(generation, sampling.stops) ? "stop" : generation.finishReason();
        HttpIo.sendJson(exchange, 200, response(model, generation.text(), finishReason,
                conversation.promptTokens(), generation.completionTokens()));
    }

    private void fim(HttpExchange exchange, String body) throws IOException, ApiException {
        state.faults.inject();
        RequestFields fields = new RequestFields(Json.parseObject(body));
        String model = fields.requiredString("model");
        String prompt = fields.requiredString("prompt");
        JsonNode suffix = fields.get("suffix");
        if (suffix != null && !suffix.isTextual()) {
            throw RequestFields.invalid("suffix", "a valid string");
        }
        Sampling sampling = sampling(fields, model);
        Generation generation = Conversation.complete(model, prompt, suffix == null ? null : suffix.asText(),
                sampling.maxTokens, sampling.stops);
        int promptTokens = CompletionGenerator.countTokens(prompt + (suffix == null ? "" : " " + suffix.asText()));
        HttpIo.sendJson(exchange, 200, response(model, generation.text(), generation.finishReason(),
                promptTokens, generation.completionTokens()));
    }

    private record Sampling(int maxTokens, List<String> stops) {
    }

    private Sampling sampling(RequestFields fields, String model) throws ApiException {
        int maxTokens = Conversation.maxTokens(fields.optionalInt("max_tokens"), "max_tokens");
        fields.optionalNonNegativeNumber("temperature");
        List<String> stops = fields.stringOrStringList("stop");
        if (fields.optionalBoolean("stream", false)) {
            throw ApiException.badRequest("stream: streaming is not simulated by the mistral personality");
        }
        if (!state.models.contains(model)) {
            throw ApiException.of(400, "invalid_model", "Invalid model: " + model);
        }
        return new Sampling(maxTokens, stops);
    }

    /** Chat and FIM answer alike: {@code choices[].message.content}. */
    private static ObjectNode response(String model, String text, String finishReason, int promptTokens,
                                       int completionTokens) {
        ObjectNode response = object();
        response.put("id", "cmpl-" + hexId());
        response.put("object", "chat.completion");
        response.put("created", Instant.now().getEpochSecond());
        response.put("model", model);
        ObjectNode choice = response.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.putNull("tool_calls");
        message.put("content", text);
        choice.put("finish_reason", finishReason);
        ObjectNode usage = response.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        usage.put("completion_tokens", completionTokens);
        return response;
    }

    private static String hexId() {
        return UUID.randomUUID().toString().replace("-", "");
    }
}
