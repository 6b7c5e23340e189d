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
        HttpIo.sendJson(exchange, 401, object().put("message", state.refusal("Unauthorized",
                exchange.getRequestHeaders().getFirst("Authorization"))).put("request_id", hexId()));
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
        respond(exchange, sampling.stream, model, generation, finishReason, conversation.promptTokens());
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
        respond(exchange, sampling.stream, model, generation, generation.finishReason(), promptTokens);
    }

    private record Sampling(int maxTokens, List<String> stops, boolean stream) {
    }

    private Sampling sampling(RequestFields fields, String model) throws ApiException {
        int maxTokens = Conversation.maxTokens(fields.optionalInt("max_tokens"), "max_tokens");
        fields.optionalNonNegativeNumber("temperature");
        List<String> stops = fields.stringOrStringList("stop");
        boolean stream = fields.optionalBoolean("stream", false);
        if (!state.models.contains(model)) {
            throw ApiException.of(400, "invalid_model", "Invalid model: " + model);
        }
        return new Sampling(maxTokens, stops, stream);
    }

    /**
     * Chat and FIM answer alike, as one JSON object or, with {@code stream: true}, as Mistral's
     * server-sent events: a first {@code chat.completion.chunk} with {@code delta.role}, one chunk
     * per token with {@code delta.content}, the last of them carrying {@code finish_reason} and the
     * {@code usage}, then {@code data: [DONE]}.
     */
    private void respond(HttpExchange exchange, boolean stream, String model, Generation generation,
                         String finishReason, int promptTokens) throws IOException {
        if (!stream) {
            HttpIo.sendJson(exchange, 200, response(model, generation.text(), finishReason, promptTokens,
                    generation.completionTokens()));
            return;
        }
        String id = hexId();
        long created = Instant.now().getEpochSecond();
        List<String> pieces = generation.pieces();
        StreamWriter.send(exchange, state, HttpIo.EVENT_STREAM, new StreamWriter.Body() {
            @Override
            public List<byte[]> opening() {
                ObjectNode chunk = chunk(id, created, model);
                ObjectNode choice = chunk.putArray("choices").addObject();
                choice.put("index", 0);
                choice.putObject("delta").put("role", "assistant").put("content", "");
                choice.putNull("finish_reason");
                return List.of(StreamWriter.sse(chunk));
            }

            @Override
            public int contentEvents() {
                return pieces.size();
            }

            @Override
            public byte[] content(int index) {
                boolean last = index == pieces.size() - 1;
                ObjectNode chunk = chunk(id, created, model);
                ObjectNode choice = chunk.putArray("choices").addObject();
                choice.put("index", 0);
                choice.putObject("delta").put("content", pieces.get(index));
                choice.put("finish_reason", last ? finishReason : null);
                if (last) {
                    usage(chunk, promptTokens, generation.completionTokens());
                }
                return StreamWriter.sse(chunk);
            }

            @Override
            public List<byte[]> closing() {
                return List.of(StreamWriter.SSE_DONE);
            }

            /** Mistral documents no in-stream error; its error object in an event is the closest likeness. */
            @Override
            public List<byte[]> failure() {
                ObjectNode error = object();
                error.put("object", "error");
                error.put("message", InferenceHandler.MID_STREAM_FAILURE);
                error.put("type", "internal_server_error");
                error.putNull("param");
                error.putNull("code");
                return List.of(StreamWriter.sse(error));
            }
        });
    }

    private static ObjectNode chunk(String id, long created, String model) {
        ObjectNode chunk = object();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        return chunk;
    }

    private static void usage(ObjectNode target, int promptTokens, int completionTokens) {
        ObjectNode usage = target.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        usage.put("completion_tokens", completionTokens);
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
        usage(response, promptTokens, completionTokens);
        return response;
    }

    private static String hexId() {
        return UUID.randomUUID().toString().replace("-", "");
    }
}
