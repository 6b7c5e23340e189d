package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Amazon Bedrock Runtime's Converse API: {@code POST /model/{modelId}/converse}, every request
 * signed with AWS Signature Version 4 (service {@code bedrock}, the simulator's region). Errors are
 * {@code {"message": …}} with the exception's name in {@code x-amzn-ErrorType}.
 */
final class BedrockApi extends ProviderApi {

    static final String SERVICE = "bedrock";
    private static final Map<Integer, String> EXCEPTIONS = Map.of(
            400, "ValidationException",
            403, "AccessDeniedException",
            404, "ResourceNotFoundException",
            408, "ModelTimeoutException",
            424, "ModelErrorException",
            429, "ThrottlingException",
            500, "InternalServerException",
            503, "ServiceUnavailableException");
    /** Authentication failures come from AWS's front door, not from Bedrock, and say so in their namespace. */
    private static final Set<String> FRONT_DOOR = Set.of("MissingAuthenticationTokenException",
            "IncompleteSignatureException", "InvalidSignatureException", "UnrecognizedClientException",
            "UnknownOperationException");

    private static final String PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    BedrockApi(SimulatorState state) {
        super(state);
    }

    @Override
    List<Route> routes() {
        return List.of(
                new Route("POST", "/model/{modelId}/converse", this::converse, true),
                new Route("POST", "/model/{modelId}/converse-stream", this::converseStream, true));
    }

    @Override
    boolean isApiPath(String rawPath) {
        return true;
    }

    @Override
    boolean authenticate(HttpExchange exchange, String rawPath, String body) throws IOException {
        ApiException refusal = SigV4Verifier.verify(exchange.getRequestMethod(), rawPath,
                exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body,
                SigV4Verifier.Key.parse(state.apiKey()), state.awsRegion, SERVICE, Instant.now());
        if (refusal == null) {
            return true;
        }
        sendError(exchange, refusal);
        return false;
    }

    @Override
    void sendError(HttpExchange exchange, ApiException error) throws IOException {
        String exception = error.type() != null ? error.type() : EXCEPTIONS.getOrDefault(error.status(),
                error.status() >= 500 ? "InternalServerException" : "ValidationException");
        String namespace = FRONT_DOOR.contains(exception) ? "com.amazon.coral.service" : "com.amazon.bedrock";
        exchange.getResponseHeaders().set("x-amzn-ErrorType",
                exception + ":http://internal.amazon.com/coral/" + namespace + "/");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        HttpIo.sendJson(exchange, error.status(), object().put("message", error.getMessage()));
    }

    @Override
    void sendNotFound(HttpExchange exchange) throws IOException {
        sendError(exchange, ApiException.of(404, "UnknownOperationException", "Unknown operation"));
    }

    /** What Converse and ConverseStream both answer. */
    private record Answer(long startedNanos, Conversation conversation, Generation generation, String stopReason) {

        ObjectNode usage(ObjectNode target) {
            ObjectNode usage = target.putObject("usage");
            usage.put("inputTokens", conversation.promptTokens());
            usage.put("outputTokens", generation.completionTokens());
            usage.put("totalTokens", conversation.promptTokens() + generation.completionTokens());
            return usage;
        }

        ObjectNode metrics(ObjectNode target) {
            return target.putObject("metrics").put("latencyMs", (System.nanoTime() - startedNanos) / 1_000_000);
        }
    }

    private void converse(HttpExchange exchange, String body) throws IOException, ApiException {
        Answer answer = answer(exchange, body);
        ObjectNode response = object();
        ObjectNode message = response.putObject("output").putObject("message");
        message.put("role", "assistant");
        message.putArray("content").addObject().put("text", answer.generation.text());
        response.put("stopReason", answer.stopReason);
        answer.usage(response);
        answer.metrics(response);
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        HttpIo.sendJson(exchange, 200, response);
    }

    /**
     * ConverseStream: {@code application/vnd.amazon.eventstream} messages {@code messageStart},
     * one {@code contentBlockDelta} per token, {@code contentBlockStop}, {@code messageStop} and
     * {@code metadata} (usage and latency). As AWS does, every payload carries a {@code p} field of
     * padding that hides the payload's true length; clients ignore it. A mid-stream failure is a
     * {@code modelStreamErrorException} exception message, after which the stream ends.
     */
    private void converseStream(HttpExchange exchange, String body) throws IOException, ApiException {
        Answer answer = answer(exchange, body);
        List<String> pieces = answer.generation.pieces();
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        StreamWriter.send(exchange, state, AwsEventStream.CONTENT_TYPE, new StreamWriter.Body() {
            private int sent;

            private byte[] event(String type, ObjectNode payload) {
                payload.put("p", PADDING.substring(0, 1 + sent++ % (PADDING.length() - 1)));
                return AwsEventStream.event(type, Json.bytes(payload));
            }

            @Override
            public List<byte[]> opening() {
                return List.of(event("messageStart", object().put("role", "assistant")));
            }

            @Override
            public int contentEvents() {
                return pieces.size();
            }

            @Override
            public byte[] content(int index) {
                ObjectNode delta = object();
                delta.put("contentBlockIndex", 0);
                delta.putObject("delta").put("text", pieces.get(index));
                return event("contentBlockDelta", delta);
            }

            @Override
            public List<byte[]> closing() {
                ObjectNode metadata = object();
                answer.usage(metadata);
                answer.metrics(metadata);
                return List.of(
                        event("contentBlockStop", object().put("contentBlockIndex", 0)),
                        event("messageStop", object().put("stopReason", answer.stopReason)),
                        event("metadata", metadata));
            }

            @Override
            public List<byte[]> failure() {
                return List.of(AwsEventStream.exception("modelStreamErrorException",
                        Json.bytes(object().put("message", InferenceHandler.MID_STREAM_FAILURE))));
            }
        });
    }

    private Answer answer(HttpExchange exchange, String body) throws ApiException, IOException {
        long started = System.nanoTime();
        state.faults.inject();
        String modelId = Route.param(exchange, "modelId");
        RequestFields fields = new RequestFields(Json.parseObject(body));
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
        String previousRole = null;
        for (int i = 0; i < messages.size(); i++) {
            String field = "messages." + i;
            if (!messages.get(i).isObject()) {
                throw RequestFields.invalid(field, "a valid structure");
            }
            RequestFields message = new RequestFields((ObjectNode) messages.get(i), field + ".");
            String role = message.requiredString("role");
            if (!role.equals("user") && !role.equals("assistant")) {
                throw RequestFields.invalid(field + ".role", "one of [user, assistant]");
            }
            if (previousRole == null && !role.equals("user")) {
                throw ApiException.badRequest("A conversation must start with a user message. "
                        + "Try again with a conversation that starts with a user message.");
            }
            if (role.equals(previousRole)) {
                throw ApiException.badRequest("A conversation must alternate between user and assistant roles. "
                        + "Make sure the conversation alternates between user and assistant roles and try again.");
            }
            JsonNode content = message.get("content");
            if (content == null || !content.isArray()) {
                throw RequestFields.invalid(field + ".content", "a list of content blocks");
            }
            conversation.add(role, Conversation.text(content, field + ".content"));
            previousRole = role;
        }
        int maxTokens = InferenceHandler.DEFAULT_MAX_TOKENS;
        List<String> stops = List.of();
        JsonNode inference = fields.get("inferenceConfig");
        if (inference != null) {
            if (!inference.isObject()) {
                throw RequestFields.invalid("inferenceConfig", "a valid structure");
            }
            RequestFields config = new RequestFields((ObjectNode) inference, "inferenceConfig.");
            maxTokens = Conversation.maxTokens(config.optionalInt("maxTokens"), "inferenceConfig.maxTokens");
            config.optionalNonNegativeNumber("temperature");
            stops = config.stringOrStringList("stopSequences");
        }
        if (!state.models.contains(modelId)) {
            throw ApiException.badRequest("The provided model identifier is invalid.");
        }

        Generation generation = conversation.answer(modelId, maxTokens, stops);
        String stopReason;
        if (Conversation.endedTurn(generation, stops)) {
            stopReason = "end_turn";
        } else {
            stopReason = "stop".equals(generation.finishReason()) ? "stop_sequence" : "max_tokens";
        }
        return new Answer(started, conversation, generation, stopReason);
    }
}
