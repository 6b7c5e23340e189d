package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * The flow shared by {@code /v1/completions} and {@code /v1/chat/completions}: fault injection,
 * validation, deterministic generation, then a JSON body or a server-sent-event stream. Subclasses
 * supply the prompt parsing and the endpoint-specific JSON.
 */
abstract class InferenceHandler implements Endpoint {

    static final int MAX_MODEL_LEN = 32768;
    static final int DEFAULT_MAX_TOKENS = 16;
    /** The message of every personality's in-stream error event ({@link FaultPlan#failMidStream}). */
    static final String MID_STREAM_FAILURE = "Simulated mid-stream failure injected by model-simulator.";

    /** What the subclass extracts from the body: the text to count tokens in and the generator seed. */
    record Prompt(String text, String seedText) {
    }

    private record InferenceRequest(
            String model, Prompt prompt, int maxTokens, List<String> stop, int n, boolean stream, boolean includeUsage) {
    }

    /** The fields every response object and chunk repeats. */
    record ResponseMeta(String id, long created, String model) {

        ObjectNode envelope(String object) {
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("id", id);
            node.put("object", object);
            node.put("created", created);
            node.put("model", model);
            return node;
        }
    }

    private final SimulatorState state;

    InferenceHandler(SimulatorState state) {
        this.state = state;
    }

    abstract String idPrefix();

    /** {@code object} of the non-streamed response. */
    abstract String responseObject();

    /** {@code object} of each streamed chunk. */
    abstract String chunkObject();

    abstract Prompt prompt(String model, RequestFields fields) throws ApiException;

    /** The requested completion length, or {@code null} for the default. */
    abstract Integer maxTokens(RequestFields fields) throws ApiException;

    abstract ObjectNode responseChoice(int index, Generation generation);

    /** Choices of the chunks sent before any content, one list entry per chunk. */
    List<ObjectNode> openingStreamChoices(int n) {
        return List.of();
    }

    /** A content chunk's choice; {@code finished} is the whole generation on its last piece, else {@code null}. */
    abstract ObjectNode streamChoice(int index, String piece, Generation finished);

    @Override
    public final void handle(HttpExchange exchange, String body) throws IOException, ApiException {
        state.faults.inject();
        InferenceRequest request = parse(new RequestFields(Json.parseObject(body)));
        if (!state.models.contains(request.model())) {
            throw ApiException.modelNotFound(request.model());
        }
        int promptTokens = CompletionGenerator.countTokens(request.prompt().text());
        if (promptTokens + request.maxTokens() > MAX_MODEL_LEN) {
            throw ApiException.badRequest("This model's maximum context length is " + MAX_MODEL_LEN
                    + " tokens. However, you requested " + (promptTokens + request.maxTokens()) + " tokens ("
                    + promptTokens + " in the messages, " + request.maxTokens()
                    + " in the completion). Please reduce the length of the messages or completion.");
        }

        List<Generation> choices = IntStream.range(0, request.n())
                .mapToObj(i -> CompletionGenerator.generate(
                        request.prompt().seedText(), i, request.maxTokens(), request.stop()))
                .toList();
        ResponseMeta meta = new ResponseMeta(
                idPrefix() + UUID.randomUUID().toString().replace("-", ""),
                Instant.now().getEpochSecond(),
                request.model());
        ObjectNode usage = usage(promptTokens, choices);

        if (request.stream()) {
            stream(exchange, meta, choices, request.includeUsage() ? usage : null);
        } else {
            ObjectNode response = meta.envelope(responseObject());
            ArrayNode responseChoices = response.putArray("choices");
            for (int i = 0; i < choices.size(); i++) {
                responseChoices.add(responseChoice(i, choices.get(i)));
            }
            response.set("usage", usage);
            HttpIo.sendJson(exchange, 200, response);
        }
    }

    private InferenceRequest parse(RequestFields fields) throws ApiException {
        String model = fields.requiredString("model");
        Prompt prompt = prompt(model, fields);
        Integer maxTokens = maxTokens(fields);
        if (maxTokens != null && maxTokens < 1) {
            throw ApiException.badRequest("max_tokens must be at least 1, got " + maxTokens + ".");
        }
        Integer n = fields.optionalInt("n");
        if (n != null && n < 1) {
            throw ApiException.badRequest("n must be at least 1, got " + n + ".");
        }
        fields.optionalNonNegativeNumber("temperature");
        List<String> stop = fields.stringOrStringList("stop");
        boolean stream = fields.optionalBoolean("stream", false);
        return new InferenceRequest(model, prompt, maxTokens == null ? DEFAULT_MAX_TOKENS : maxTokens, stop,
                n == null ? 1 : n, stream, includeUsage(fields, stream));
    }

    private static boolean includeUsage(RequestFields fields, boolean stream) throws ApiException {
        JsonNode options = fields.get("stream_options");
        if (options == null) {
            return false;
        }
        if (!stream) {
            throw ApiException.badRequest("Stream options can only be defined when `stream=True`.");
        }
        if (!options.isObject()) {
            throw RequestFields.invalid("stream_options", "a valid dictionary");
        }
        return new RequestFields((ObjectNode) options, "stream_options.").optionalBoolean("include_usage", false);
    }

    /**
     * vLLM's stream: the opening chunks, one chunk per token (choices interleaved step by step when
     * {@code n > 1}), the optional usage chunk, {@code data: [DONE]}. A mid-stream failure is vLLM's
     * {@code data: {"error": {...}}} followed by {@code data: [DONE]}.
     */
    private void stream(HttpExchange exchange, ResponseMeta meta, List<Generation> choices, ObjectNode usage)
            throws IOException {
        List<int[]> order = new ArrayList<>();
        int steps = choices.stream().mapToInt(g -> g.pieces().size()).max().orElse(0);
        for (int step = 0; step < steps; step++) {
            for (int index = 0; index < choices.size(); index++) {
                if (step < choices.get(index).pieces().size()) {
                    order.add(new int[] {index, step});
                }
            }
        }
        StreamWriter.send(exchange, state, HttpIo.EVENT_STREAM, new StreamWriter.Body() {
            @Override
            public List<byte[]> opening() {
                List<byte[]> events = new ArrayList<>();
                for (ObjectNode choice : openingStreamChoices(choices.size())) {
                    events.add(StreamWriter.sse(chunk(meta, choice)));
                }
                return events;
            }

            @Override
            public int contentEvents() {
                return order.size();
            }

            @Override
            public byte[] content(int i) {
                int index = order.get(i)[0];
                int step = order.get(i)[1];
                List<String> pieces = choices.get(index).pieces();
                Generation finished = step == pieces.size() - 1 ? choices.get(index) : null;
                return StreamWriter.sse(chunk(meta, streamChoice(index, pieces.get(step), finished)));
            }

            @Override
            public List<byte[]> closing() {
                if (usage == null) {
                    return List.of(StreamWriter.SSE_DONE);
                }
                ObjectNode usageChunk = meta.envelope(chunkObject());
                usageChunk.putArray("choices");
                usageChunk.set("usage", usage);
                return List.of(StreamWriter.sse(usageChunk), StreamWriter.SSE_DONE);
            }

            @Override
            public List<byte[]> failure() {
                ObjectNode error = Json.MAPPER.createObjectNode();
                error.putObject("error")
                        .put("object", "error")
                        .put("message", MID_STREAM_FAILURE)
                        .put("type", "InternalServerError")
                        .putNull("param")
                        .put("code", 500);
                return List.of(StreamWriter.sse(error), StreamWriter.SSE_DONE);
            }
        });
    }

    private ObjectNode chunk(ResponseMeta meta, ObjectNode choice) {
        ObjectNode chunk = meta.envelope(chunkObject());
        chunk.putArray("choices").add(choice);
        return chunk;
    }

    private static ObjectNode usage(int promptTokens, List<Generation> choices) {
        int completionTokens = choices.stream().mapToInt(Generation::completionTokens).sum();
        ObjectNode usage = Json.MAPPER.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        usage.put("completion_tokens", completionTokens);
        usage.putNull("prompt_tokens_details");
        return usage;
    }
}
