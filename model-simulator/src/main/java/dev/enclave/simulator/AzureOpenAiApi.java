package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Azure OpenAI: {@code POST /openai/deployments/{deployment}/chat/completions?api-version=…} (and
 * {@code /completions}), key in the {@code api-key} header, OpenAI's response shapes, Azure's
 * {@code {"error":{"code","message"}}} errors. The served model ids are the deployment names.
 */
final class AzureOpenAiApi extends ProviderApi {

    static final String ACCESS_DENIED = "Access denied due to invalid subscription key or wrong API endpoint. "
            + "Make sure to provide a valid key for an active subscription and use a correct regional API "
            + "endpoint for your resource.";
    static final String DEPLOYMENT_NOT_FOUND = "The API deployment for this resource does not exist. If you "
            + "created the deployment within the last 5 minutes, please wait a moment and try again.";

    AzureOpenAiApi(SimulatorState state) {
        super(state);
    }

    @Override
    List<Route> routes() {
        return List.of(
                new Route("POST", "/openai/deployments/{deployment}/chat/completions", this::chat, true),
                new Route("POST", "/openai/deployments/{deployment}/completions", this::completions, true));
    }

    @Override
    boolean isApiPath(String rawPath) {
        return rawPath.startsWith("/openai/");
    }

    @Override
    boolean authenticate(HttpExchange exchange, String rawPath, String body) throws IOException {
        if (sameSecret(exchange.getRequestHeaders().getFirst("api-key"), state.apiKey())) {
            return true;
        }
        sendError(exchange, ApiException.of(401, "401", state.refusal(ACCESS_DENIED,
                exchange.getRequestHeaders().getFirst("api-key"))));
        return false;
    }

    /** Field errors in OpenAI's {@code {"error":{"message","type","param","code"}}}; the rest Azure's own. */
    @Override
    void sendError(HttpExchange exchange, ApiException error) throws IOException {
        ObjectNode body = object();
        ObjectNode inner = body.putObject("error");
        if (error.field() != null) {
            inner.put("message", error.getMessage());
            inner.put("type", "invalid_request_error");
            inner.put("param", error.field());
            inner.putNull("code");
        } else {
            inner.put("code", error.type() != null ? error.type() : String.valueOf(error.status()));
            inner.put("message", error.getMessage());
        }
        HttpIo.sendJson(exchange, error.status(), body);
    }

    @Override
    void sendNotFound(HttpExchange exchange) throws IOException {
        sendError(exchange, ApiException.of(404, "404", "Resource not found"));
    }

    private void chat(HttpExchange exchange, String body) throws IOException, ApiException {
        String deployment = deployment(exchange);
        state.faults.inject();
        RequestFields fields = new RequestFields(Json.parseObject(body));
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
            conversation.add(message.requiredString("role"),
                    Conversation.text(message.get("content"), field + ".content"));
        }
        int maxTokens = sampling(fields);
        Streaming streaming = streaming(fields);
        List<String> stops = fields.stringOrStringList("stop");
        Generation generation = conversation.answer(deployment, maxTokens, stops);
        String finishReason = Conversation.endedTurn(generation, stops) ? "stop" : generation.finishReason();
        if (streaming.stream) {
            stream(exchange, streaming, "chatcmpl-", "chat.completion.chunk", deployment, generation, finishReason,
                    conversation.promptTokens());
            return;
        }
        ObjectNode response = envelope("chatcmpl-", "chat.completion", deployment);
        ObjectNode choice = response.putArray("choices").addObject();
        choice.put("index", 0);
        choice.put("finish_reason", finishReason);
        choice.putObject("message").put("role", "assistant").put("content", generation.text());
        choice.putNull("logprobs");
        usage(response, conversation.promptTokens(), generation.completionTokens());
        HttpIo.sendJson(exchange, 200, response);
    }

    private void completions(HttpExchange exchange, String body) throws IOException, ApiException {
        String deployment = deployment(exchange);
        state.faults.inject();
        RequestFields fields = new RequestFields(Json.parseObject(body));
        String prompt = fields.requiredString("prompt");
        int maxTokens = sampling(fields);
        Streaming streaming = streaming(fields);
        List<String> stops = fields.stringOrStringList("stop");
        Generation generation = Conversation.complete(deployment, prompt, null, maxTokens, stops);
        if (streaming.stream) {
            stream(exchange, streaming, "cmpl-", "text_completion", deployment, generation, generation.finishReason(),
                    CompletionGenerator.countTokens(prompt));
            return;
        }
        ObjectNode response = envelope("cmpl-", "text_completion", deployment);
        ObjectNode choice = response.putArray("choices").addObject();
        choice.put("text", generation.text());
        choice.put("index", 0);
        choice.put("finish_reason", generation.finishReason());
        choice.putNull("logprobs");
        usage(response, CompletionGenerator.countTokens(prompt), generation.completionTokens());
        HttpIo.sendJson(exchange, 200, response);
    }

    /** Azure checks the api-version and the deployment before it looks at the body. */
    private String deployment(HttpExchange exchange) throws ApiException {
        String apiVersion = queryParameter(exchange.getRequestURI().getRawQuery(), "api-version");
        if (apiVersion == null) {
            throw ApiException.of(404, "404", "Resource not found");
        }
        if (!apiVersion.matches("\\d{4}-\\d{2}-\\d{2}(-preview)?")) {
            throw ApiException.of(400, "BadRequest", "API version not supported");
        }
        String deployment = Route.param(exchange, "deployment");
        if (!state.models.contains(deployment)) {
            throw ApiException.of(404, "DeploymentNotFound", DEPLOYMENT_NOT_FOUND);
        }
        return deployment;
    }

    private static int sampling(RequestFields fields) throws ApiException {
        int maxTokens = Conversation.maxTokens(fields.optionalInt("max_tokens"), "max_tokens");
        fields.optionalNonNegativeNumber("temperature");
        return maxTokens;
    }

    private record Streaming(boolean stream, boolean includeUsage) {
    }

    /** {@code stream} and OpenAI's {@code stream_options.include_usage}, which needs {@code stream: true}. */
    private static Streaming streaming(RequestFields fields) throws ApiException {
        boolean stream = fields.optionalBoolean("stream", false);
        JsonNode options = fields.get("stream_options");
        if (options == null || options.isNull()) {
            return new Streaming(stream, false);
        }
        if (!stream) {
            throw ApiException.invalidField("stream_options",
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
        }
        if (!options.isObject()) {
            throw RequestFields.invalid("stream_options", "a valid dictionary");
        }
        return new Streaming(true,
                new RequestFields((ObjectNode) options, "stream_options.").optionalBoolean("include_usage", false));
    }

    /**
     * OpenAI's stream as Azure sends it: {@code data: <chunk>} events, for chat a first chunk with
     * {@code delta.role}, one chunk per token ({@code delta.content} or {@code text}), a last chunk
     * with an empty delta (or text) and {@code finish_reason}, with {@code stream_options.include_usage}
     * a {@code "choices":[]} chunk with the usage (and {@code "usage":null} on the others), then
     * {@code data: [DONE]}. A mid-stream failure is OpenAI's {@code data: {"error":{…}}}, and the
     * stream ends without {@code [DONE]}.
     */
    private void stream(HttpExchange exchange, Streaming streaming, String idPrefix, String object, String deployment,
                        Generation generation, String finishReason, int promptTokens) throws IOException {
        boolean chat = object.equals("chat.completion.chunk");
        String id = idPrefix + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        List<String> pieces = generation.pieces();
        StreamWriter.send(exchange, state, HttpIo.EVENT_STREAM, new StreamWriter.Body() {
            private ObjectNode chunk(String delta, String finish, boolean role) {
                ObjectNode chunk = object();
                chunk.put("id", id);
                chunk.put("object", object);
                chunk.put("created", created);
                chunk.put("model", deployment);
                ObjectNode choice = chunk.putArray("choices").addObject();
                choice.put("index", 0);
                if (chat) {
                    ObjectNode deltaNode = choice.putObject("delta");
                    if (role) {
                        deltaNode.put("role", "assistant");
                    }
                    if (delta != null) {
                        deltaNode.put("content", delta);
                    }
                } else {
                    choice.put("text", delta == null ? "" : delta);
                }
                choice.putNull("logprobs");
                choice.put("finish_reason", finish);
                if (streaming.includeUsage) {
                    chunk.putNull("usage");
                }
                return chunk;
            }

            @Override
            public List<byte[]> opening() {
                return chat ? List.of(StreamWriter.sse(chunk("", null, true))) : List.of();
            }

            @Override
            public int contentEvents() {
                return pieces.size();
            }

            @Override
            public byte[] content(int index) {
                return StreamWriter.sse(chunk(pieces.get(index), null, false));
            }

            @Override
            public List<byte[]> closing() {
                List<byte[]> events = new ArrayList<>();
                events.add(StreamWriter.sse(chunk(null, finishReason, false)));
                if (streaming.includeUsage) {
                    ObjectNode usageChunk = envelope(id, object, deployment, created);
                    usageChunk.putArray("choices");
                    usage(usageChunk, promptTokens, generation.completionTokens());
                    events.add(StreamWriter.sse(usageChunk));
                }
                events.add(StreamWriter.SSE_DONE);
                return events;
            }

            @Override
            public List<byte[]> failure() {
                ObjectNode error = object();
                error.putObject("error")
                        .put("message", InferenceHandler.MID_STREAM_FAILURE)
                        .put("type", "server_error")
                        .putNull("param")
                        .putNull("code");
                return List.of(StreamWriter.sse(error));
            }
        });
    }

    private static ObjectNode envelope(String id, String object, String model, long created) {
        ObjectNode response = object();
        response.put("id", id);
        response.put("object", object);
        response.put("created", created);
        response.put("model", model);
        return response;
    }

    private static ObjectNode envelope(String idPrefix, String object, String model) {
        return envelope(idPrefix + UUID.randomUUID().toString().replace("-", ""), object, model,
                Instant.now().getEpochSecond());
    }

    private static void usage(ObjectNode response, int promptTokens, int completionTokens) {
        ObjectNode usage = response.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
    }

    private static String queryParameter(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String key = equals < 0 ? pair : pair.substring(0, equals);
            if (key.equals(name)) {
                return equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
