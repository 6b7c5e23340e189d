package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's Messages API: {@code POST /v1/messages} with {@code x-api-key} and
 * {@code anthropic-version} headers; errors are {@code {"type":"error","error":{"type","message"}}}.
 */
final class AnthropicApi extends ProviderApi {

    private static final Map<Integer, String> TYPES = Map.of(
            400, "invalid_request_error",
            401, "authentication_error",
            403, "permission_error",
            404, "not_found_error",
            413, "request_too_large",
            429, "rate_limit_error",
            500, "api_error",
            529, "overloaded_error");
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    AnthropicApi(SimulatorState state) {
        super(state);
    }

    @Override
    List<Route> routes() {
        return List.of(new Route("POST", "/v1/messages", this::messages, true));
    }

    @Override
    boolean isApiPath(String rawPath) {
        return rawPath.startsWith("/v1");
    }

    @Override
    boolean authenticate(HttpExchange exchange, String rawPath, String body) throws IOException {
        String key = exchange.getRequestHeaders().getFirst("x-api-key");
        if (key == null) {
            sendError(exchange, ApiException.of(401, null, "x-api-key header is required"));
            return false;
        }
        if (!sameSecret(key, state.apiKey())) {
            sendError(exchange, ApiException.of(401, null, "invalid x-api-key"));
            return false;
        }
        return true;
    }

    @Override
    void sendError(HttpExchange exchange, ApiException error) throws IOException {
        String requestId = "req_" + randomId(24);
        ObjectNode body = object();
        body.put("type", "error");
        body.putObject("error")
                .put("type", error.type() != null ? error.type() : TYPES.getOrDefault(error.status(),
                        error.status() >= 500 ? "api_error" : "invalid_request_error"))
                .put("message", error.getMessage());
        body.put("request_id", requestId);
        exchange.getResponseHeaders().set("request-id", requestId);
        HttpIo.sendJson(exchange, error.status(), body);
    }

    @Override
    void sendNotFound(HttpExchange exchange) throws IOException {
        sendError(exchange, ApiException.of(404, null, "Not Found"));
    }

    @Override
    void sendMethodNotAllowed(HttpExchange exchange, String allowed) throws IOException {
        exchange.getResponseHeaders().set("Allow", allowed);
        sendError(exchange, ApiException.of(405, "invalid_request_error", "Method Not Allowed"));
    }

    private void messages(HttpExchange exchange, String body) throws IOException, ApiException {
        state.faults.inject();
        if (exchange.getRequestHeaders().getFirst("anthropic-version") == null) {
            throw ApiException.badRequest("anthropic-version: header is required");
        }
        RequestFields fields = new RequestFields(Json.parseObject(body));
        String model = fields.requiredString("model");
        Integer requestedMaxTokens = fields.optionalInt("max_tokens");
        if (requestedMaxTokens == null) {
            throw RequestFields.missing("max_tokens");
        }
        int maxTokens = Conversation.maxTokens(requestedMaxTokens, "max_tokens");
        JsonNode temperature = fields.get("temperature");
        if (temperature != null && (!temperature.isNumber() || temperature.doubleValue() < 0
                || temperature.doubleValue() > 1)) {
            throw RequestFields.invalid("temperature", "a number between 0 and 1");
        }
        List<String> stops = fields.stringOrStringList("stop_sequences");
        if (fields.optionalBoolean("stream", false)) {
            throw ApiException.badRequest("stream: streaming is not simulated by the anthropic personality");
        }

        Conversation conversation = new Conversation();
        JsonNode system = fields.get("system");
        if (system != null) {
            conversation.add("system", Conversation.text(system, "system"));
        }
        JsonNode messages = fields.get("messages");
        if (messages == null) {
            throw RequestFields.missing("messages");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw RequestFields.invalid("messages", "a non-empty list");
        }
        for (int i = 0; i < messages.size(); i++) {
            String field = "messages." + i;
            if (!messages.get(i).isObject()) {
                throw RequestFields.invalid(field, "a valid dictionary");
            }
            RequestFields message = new RequestFields((ObjectNode) messages.get(i), field + ".");
            String role = message.requiredString("role");
            if (!role.equals("user") && !role.equals("assistant")) {
                throw RequestFields.invalid(field + ".role", "'user' or 'assistant'");
            }
            JsonNode content = message.get("content");
            if (content == null) {
                throw RequestFields.missing(field + ".content");
            }
            conversation.add(role, Conversation.text(content, field + ".content"));
        }
        if (!state.models.contains(model)) {
            throw ApiException.of(404, "not_found_error", "model: " + model);
        }

        Generation generation = conversation.answer(model, maxTokens, stops);
        String stopReason;
        if (Conversation.endedTurn(generation, stops)) {
            stopReason = "end_turn";
        } else {
            stopReason = "stop".equals(generation.finishReason()) ? "stop_sequence" : "max_tokens";
        }
        ObjectNode response = object();
        response.put("id", "msg_" + randomId(24));
        response.put("type", "message");
        response.put("role", "assistant");
        response.put("model", model);
        response.putArray("content").addObject().put("type", "text").put("text", generation.text());
        response.put("stop_reason", stopReason);
        response.put("stop_sequence", "stop_sequence".equals(stopReason) ? generation.stopReason() : null);
        ObjectNode usage = response.putObject("usage");
        usage.put("input_tokens", conversation.promptTokens());
        usage.put("output_tokens", generation.completionTokens());
        exchange.getResponseHeaders().set("request-id", "req_" + randomId(24));
        HttpIo.sendJson(exchange, 200, response);
    }

    private static String randomId(int length) {
        StringBuilder id = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            id.append(BASE62.charAt(RANDOM.nextInt(BASE62.length())));
        }
        return id.toString();
    }
}
