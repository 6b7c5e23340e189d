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
            sendError(exchange, ApiException.of(401, null, state.refusal("invalid x-api-key", key)));
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
        answer(exchange, fields, fields.requiredString("model"));
    }

    /**
     * A Messages API body answered for {@code model}: the model named in the body here, in the path
     * for Claude on Vertex AI ({@link VertexApi}'s {@code :rawPredict}).
     */
    void answer(HttpExchange exchange, RequestFields fields, String model) throws IOException, ApiException {
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
        boolean stream = fields.optionalBoolean("stream", false);

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
        String stopSequence = "stop_sequence".equals(stopReason) ? generation.stopReason() : null;
        exchange.getResponseHeaders().set("request-id", "req_" + randomId(24));
        if (stream) {
            stream(exchange, model, generation, stopReason, stopSequence, conversation.promptTokens());
            return;
        }
        ObjectNode response = object();
        response.put("id", "msg_" + randomId(24));
        response.put("type", "message");
        response.put("role", "assistant");
        response.put("model", model);
        response.putArray("content").addObject().put("type", "text").put("text", generation.text());
        response.put("stop_reason", stopReason);
        response.put("stop_sequence", stopSequence);
        ObjectNode usage = response.putObject("usage");
        usage.put("input_tokens", conversation.promptTokens());
        usage.put("output_tokens", generation.completionTokens());
        HttpIo.sendJson(exchange, 200, response);
    }

    /**
     * The Messages stream: {@code message_start} (the message with empty content),
     * {@code content_block_start}, {@code ping}, one {@code content_block_delta} ({@code text_delta})
     * per token, {@code content_block_stop}, {@code message_delta} (stop reason and output tokens),
     * {@code message_stop}; each as {@code event: <type>\ndata: <json>\n\n}. A mid-stream failure
     * is Anthropic's {@code event: error} with an {@code overloaded_error}, after which the stream ends.
     */
    private void stream(HttpExchange exchange, String model, Generation generation, String stopReason,
                        String stopSequence, int inputTokens) throws IOException {
        String id = "msg_" + randomId(24);
        List<String> pieces = generation.pieces();
        StreamWriter.send(exchange, state, HttpIo.EVENT_STREAM, new StreamWriter.Body() {
            @Override
            public List<byte[]> opening() {
                ObjectNode start = object().put("type", "message_start");
                ObjectNode message = start.putObject("message");
                message.put("id", id);
                message.put("type", "message");
                message.put("role", "assistant");
                message.put("model", model);
                message.putArray("content");
                message.putNull("stop_reason");
                message.putNull("stop_sequence");
                message.putObject("usage").put("input_tokens", inputTokens).put("output_tokens", 1);
                ObjectNode blockStart = object().put("type", "content_block_start").put("index", 0);
                blockStart.putObject("content_block").put("type", "text").put("text", "");
                return List.of(StreamWriter.sse("message_start", start),
                        StreamWriter.sse("content_block_start", blockStart),
                        StreamWriter.sse("ping", object().put("type", "ping")));
            }

            @Override
            public int contentEvents() {
                return pieces.size();
            }

            @Override
            public byte[] content(int index) {
                ObjectNode delta = object().put("type", "content_block_delta").put("index", 0);
                delta.putObject("delta").put("type", "text_delta").put("text", pieces.get(index));
                return StreamWriter.sse("content_block_delta", delta);
            }

            @Override
            public List<byte[]> closing() {
                ObjectNode messageDelta = object().put("type", "message_delta");
                messageDelta.putObject("delta").put("stop_reason", stopReason).put("stop_sequence", stopSequence);
                messageDelta.putObject("usage").put("output_tokens", generation.completionTokens());
                return List.of(
                        StreamWriter.sse("content_block_stop", object().put("type", "content_block_stop").put("index", 0)),
                        StreamWriter.sse("message_delta", messageDelta),
                        StreamWriter.sse("message_stop", object().put("type", "message_stop")));
            }

            @Override
            public List<byte[]> failure() {
                ObjectNode error = object().put("type", "error");
                error.putObject("error").put("type", "overloaded_error").put("message", "Overloaded");
                return List.of(StreamWriter.sse("error", error));
            }
        });
    }

    private static String randomId(int length) {
        StringBuilder id = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            id.append(BASE62.charAt(RANDOM.nextInt(BASE62.length())));
        }
        return id.toString();
    }
}
