package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.egress.ModelHttpResponse;
import dev.enclave.adapter.rest.AdapterWire;
import dev.enclave.adapter.service.Deadline;
import dev.enclave.adapter.stream.VertexStreamParser;
import dev.enclave.adapter.stream.StreamParser;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Google Cloud Vertex AI, where the endpoint is the regional base URL with the project and location,
 * {@code https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}}.
 * Gemini (publisher {@code google}): {@code POST {endpoint}/publishers/google/models/{model}:generateContent}
 * (streamed: {@code :streamGenerateContent?alt=sse}) with
 * {@code {contents:[{role, parts:[{text}]}], systemInstruction:{parts:[{text}]}, generationConfig:{maxOutputTokens, temperature, stopSequences}}}.
 * Claude (publisher {@code anthropic}): {@code POST {endpoint}/publishers/anthropic/models/{model}:rawPredict}
 * (streamed: {@code :streamRawPredict}) with Anthropic's Messages body, {@code anthropic_version: vertex-2023-10-16}
 * and no {@code model}, answered as Anthropic answers. The model's {@code api_key} is the service
 * account's JSON key file; each call carries an OAuth 2 access token bought with it ({@link GoogleAccessTokens}).
 */
@ApplicationScoped
public class VertexAiProvider implements ModelProvider {

    static final String NAME = "vertex_ai";
    private static final Pattern BASE_PATH = Pattern.compile("(/[^/]+)*/projects/[^/]+/locations/[^/]+");
    private static final String ENDPOINT_FORM = "https://<location>-aiplatform.googleapis.com/v1/projects/<project>"
            + "/locations/<location>";
    /** The model's publisher when the identifier names none (and does not start with {@code claude}). */
    private static final String GOOGLE = "google";
    private static final String ANTHROPIC = "anthropic";
    /** What Claude on Vertex AI takes in the body instead of Anthropic's {@code anthropic-version} header. */
    static final String ANTHROPIC_VERSION = "vertex-2023-10-16";

    private final ObjectMapper json;
    private final GoogleAccessTokens tokens;
    private final AnthropicProvider anthropic;

    public VertexAiProvider(ObjectMapper json, GoogleAccessTokens tokens, AnthropicProvider anthropic) {
        this.json = json;
        this.tokens = tokens;
        this.anthropic = anthropic;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The endpoint must name the project and location: model paths are relative to them. */
    @Override
    public ModelEndpoint endpoint(AdapterWire.ModelTarget target) {
        if (target.endpoint() == null || target.endpoint().isBlank()) {
            throw ProviderCall.invalid("model.endpoint is required for vertex_ai: the regional base URL with "
                    + "project and location, " + ENDPOINT_FORM);
        }
        ModelEndpoint endpoint = ModelProvider.super.endpoint(target);
        if (!BASE_PATH.matcher(endpoint.basePath()).matches()) {
            throw ProviderCall.invalid("model.endpoint for vertex_ai must name the project and location, as in "
                    + ENDPOINT_FORM + "; got a path of '" + endpoint.basePath() + "'");
        }
        return endpoint;
    }

    /**
     * A model identifier: {@code gemini-1.5-pro-002} (Google's), {@code claude-3-5-sonnet-v2@20241022}
     * (Anthropic's), or {@code <publisher>/<model>}.
     */
    record Model(String publisher, String id) {

        boolean claude() {
            return ANTHROPIC.equals(publisher);
        }


        static Model of(String identifier) {
            String id = identifier.strip();
            if (id.startsWith("publishers/")) {
                id = id.substring("publishers/".length()).replaceFirst("/models/", "/");
            }
            int slash = id.indexOf('/');
            Model model = slash >= 0 ? new Model(id.substring(0, slash), id.substring(slash + 1))
                    : new Model(id.startsWith("claude") ? ANTHROPIC : GOOGLE, id);
            if (model.publisher.isEmpty() || model.id.isEmpty() || model.id.contains("/")) {
                throw ProviderCall.invalid("model.identifier '" + identifier + "' is not a Vertex AI model: use "
                        + "the model id (gemini-1.5-pro-002) or <publisher>/<model>");
            }
            if (!GOOGLE.equals(model.publisher) && !ANTHROPIC.equals(model.publisher)) {
                throw ProviderCall.invalid("vertex_ai calls Google's models (Gemini, publisher google) and "
                        + "Anthropic's (Claude, publisher anthropic); publisher '" + model.publisher
                        + "' is not supported");
            }
            return model;
        }
    }

    @Override
    public ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        return call(request, endpoint, false);
    }

    @Override
    public ProviderCall streamCall(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        return call(request, endpoint, true);
    }

    private ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint, boolean stream) {
        // checked before anything is sent, so a malformed key file is the caller's 422
        GoogleServiceAccount.parse(json, request.model().apiKey());
        Model model = Model.of(request.model().identifier());
        String method;
        ObjectNode body;
        if (model.claude()) {
            method = stream ? ":streamRawPredict" : ":rawPredict";
            body = json.createObjectNode().put("anthropic_version", ANTHROPIC_VERSION);
            body.setAll(anthropic.messagesBody(request, NAME, stream));
        } else {
            method = stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
            body = geminiBody(request, request.stopSequences());
        }
        String path = endpoint.basePath() + "/publishers/" + ModelEndpoint.pathSegment(model.publisher())
                + "/models/" + ModelEndpoint.pathSegment(model.id()) + method;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", stream ? "text/event-stream" : "application/json");
        return new ProviderCall(path, headers, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Adds {@code Authorization: Bearer <access token>}, exchanged for the key file (or cached). */
    @Override
    public Uni<ProviderCall> authorize(ProviderCall call, AdapterWire.GenerateRequest request, Deadline deadline) {
        GoogleServiceAccount account = GoogleServiceAccount.parse(json, request.model().apiKey());
        return tokens.token(account, deadline).map(token -> {
            Map<String, String> headers = new LinkedHashMap<>(call.headers());
            headers.put("Authorization", "Bearer " + token);
            return new ProviderCall(call.pathAndQuery(), headers, call.body());
        });
    }

    /** A 401 means Google no longer takes the cached token (revoked, or the key deleted): the next call gets a new one. */
    @Override
    public void refused(AdapterWire.GenerateRequest request, int status) {
        if (status == 401) {
            tokens.forget(GoogleServiceAccount.parse(json, request.model().apiKey()));
        }
    }

    /**
     * Gemini's request: the system prompt as {@code systemInstruction}, user and assistant turns as
     * {@code contents} with roles {@code user} and {@code model}, a raw prompt as one user turn.
     *
     * @param stopSequences sent as {@code generationConfig.stopSequences} when not empty
     */
    ObjectNode geminiBody(AdapterWire.GenerateRequest request, List<String> stopSequences) {
        ChatTurns chat = ChatTurns.of(request, NAME);
        ObjectNode body = json.createObjectNode();
        ArrayNode contents = body.putArray("contents");
        for (ChatTurns.Turn turn : chat.turns()) {
            ObjectNode content = contents.addObject().put("role", "assistant".equals(turn.role()) ? "model" : "user");
            ArrayNode parts = content.putArray("parts");
            turn.texts().forEach(text -> parts.addObject().put("text", text));
        }
        if (!chat.system().isEmpty()) {
            ArrayNode parts = body.putObject("systemInstruction").putArray("parts");
            chat.system().forEach(text -> parts.addObject().put("text", text));
        }
        ObjectNode generation = json.createObjectNode();
        if (request.maxTokens() != null) {
            generation.put("maxOutputTokens", request.maxTokens());
        }
        if (request.temperature() != null) {
            generation.put("temperature", request.temperature());
        }
        if (!stopSequences.isEmpty()) {
            ArrayNode stops = generation.putArray("stopSequences");
            stopSequences.forEach(stops::add);
        }
        if (!generation.isEmpty()) {
            body.set("generationConfig", generation);
        }
        return body;
    }

    @Override
    public StreamParser streamParser(AdapterWire.GenerateRequest request, StreamParser.Sink sink, int maxBytes) {
        if (Model.of(request.model().identifier()).claude()) {
            return anthropic.streamParser(request, sink, maxBytes);
        }
        return new VertexStreamParser(json, VertexAiProvider::finishReason, request.model().identifier(), sink,
                maxBytes);
    }

    @Override
    public AdapterWire.GenerateResponse answer(JsonNode body, AdapterWire.GenerateRequest request)
            throws UnexpectedAnswerException {
        if (Model.of(request.model().identifier()).claude()) {
            return anthropic.answer(body, request);
        }
        JsonNode candidates = body.path("candidates");
        JsonNode usage = body.path("usageMetadata");
        AdapterWire.Usage tokens = usage.isObject() ? new AdapterWire.Usage(usage.path("promptTokenCount").asInt(),
                usage.path("candidatesTokenCount").asInt()) : null;
        if (!candidates.isArray() || candidates.isEmpty()) {
            if (body.path("promptFeedback").path("blockReason").isTextual()) {
                // the prompt itself was blocked: no candidate at all
                return new AdapterWire.GenerateResponse("", "content_filter", request.model().identifier(), tokens);
            }
            throw new UnexpectedAnswerException("without candidates");
        }
        JsonNode candidate = candidates.get(0);
        StringBuilder text = new StringBuilder();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (!part.path("thought").asBoolean(false)) {
                text.append(part.path("text").asText(""));
            }
        }
        return new AdapterWire.GenerateResponse(text.toString(),
                finishReason(candidate.path("finishReason").asText(null)), request.model().identifier(), tokens);
    }

    /**
     * OpenAI's words for Vertex's: {@code STOP} → stop, {@code MAX_TOKENS} → length, the safety and
     * policy stops → content_filter; any other in lower case.
     */
    static String finishReason(String reason) {
        if (reason == null) {
            return null;
        }
        return switch (reason) {
            case "STOP" -> "stop";
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY" -> "content_filter";
            default -> reason.toLowerCase(Locale.ROOT);
        };
    }

    /**
     * Google's {@code {"error":{"code":404,"message":"…","status":"NOT_FOUND"}}} (also inside a
     * one-element array) becomes {@code NOT_FOUND: …}.
     */
    @Override
    public String errorReason(ModelHttpResponse response) {
        JsonNode root = ErrorBodies.json(json, response.body());
        if (root != null && root.isArray() && root.size() > 0) {
            root = root.get(0);
        }
        String reason = root == null ? null : googleReason(root);
        if (reason != null) {
            return reason;
        }
        // Claude on Vertex AI refuses a body in Anthropic's words
        return anthropic.errorReason(response);
    }

    /** {@code status: message} of Google's error object, or null when the body has none. */
    static String googleReason(JsonNode root) {
        JsonNode error = root.path("error");
        if (!error.isObject() || !error.path("message").isTextual()
                || !(error.path("status").isTextual() || error.path("code").isNumber())) {
            return null;
        }
        String status = error.path("status").asText("");
        return (status.isEmpty() ? "" : status + ": ") + error.get("message").asText();
    }
}
