package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.egress.ModelHttpResponse;
import dev.enclave.adapter.rest.AdapterWire;
import dev.enclave.adapter.stream.OpenAiStreamParser;
import dev.enclave.adapter.stream.StreamParser;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mistral's API: chats to {@code POST /v1/chat/completions}, raw prompts to the fill-in-the-middle
 * endpoint {@code POST /v1/fim/completions} with {@code prompt} and {@code suffix}. Key in
 * {@code Authorization: Bearer}; answers in the chat completion shape for both.
 */
@ApplicationScoped
public class MistralProvider implements ModelProvider {

    /** Codestral's FIM layout, as ai-gateway renders it for codestral: {@code [SUFFIX]after[PREFIX]before}. */
    static final String SUFFIX_TOKEN = "[SUFFIX]";
    static final String PREFIX_TOKEN = "[PREFIX]";

    private final ObjectMapper json;

    public MistralProvider(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public String name() {
        return "mistral";
    }

    @Override
    public ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        return call(request, endpoint, false);
    }

    /**
     * Mistral streams chats and FIM alike as {@code chat.completion.chunk}s and puts the usage on the
     * last one by itself; it refuses fields it does not know, so no {@code stream_options}.
     */
    @Override
    public ProviderCall streamCall(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        return call(request, endpoint, true);
    }

    @Override
    public StreamParser streamParser(AdapterWire.GenerateRequest request, StreamParser.Sink sink, int maxBytes) {
        return new OpenAiStreamParser(json, sink, maxBytes);
    }

    private ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint, boolean stream) {
        ObjectNode body;
        String path;
        if (request.messages() != null) {
            body = OpenAiShapes.body(json, request, stream);
            path = "/chat/completions";
        } else {
            body = json.createObjectNode();
            splitFillInTheMiddle(request.prompt(), body);
            if (request.maxTokens() != null) {
                body.put("max_tokens", request.maxTokens());
            }
            if (request.temperature() != null) {
                body.put("temperature", request.temperature());
            }
            OpenAiShapes.stop(body, "stop", request);
            body.put("stream", stream);
            path = "/fim/completions";
        }
        body.put("model", request.model().identifier());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", stream ? "text/event-stream" : "application/json");
        if (request.model().apiKey() != null && !request.model().apiKey().isEmpty()) {
            headers.put("Authorization", "Bearer " + request.model().apiKey());
        }
        return new ProviderCall(endpoint.basePathEndingWith("/v1") + path, headers,
                body.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Mistral's FIM endpoint applies the control tokens itself and would read them as plain text,
     * so a prompt already in Codestral's FIM layout goes back to {@code prompt} and {@code suffix}.
     */
    static void splitFillInTheMiddle(String prompt, ObjectNode body) {
        int prefix = prompt.startsWith(SUFFIX_TOKEN) ? prompt.indexOf(PREFIX_TOKEN, SUFFIX_TOKEN.length()) : -1;
        if (prefix < 0) {
            body.put("prompt", prompt);
            return;
        }
        body.put("prompt", prompt.substring(prefix + PREFIX_TOKEN.length()));
        body.put("suffix", prompt.substring(SUFFIX_TOKEN.length(), prefix));
    }

    /** Chat and FIM answers alike carry the text in {@code choices[0].message.content}. */
    @Override
    public AdapterWire.GenerateResponse answer(JsonNode body, AdapterWire.GenerateRequest request)
            throws UnexpectedAnswerException {
        return OpenAiShapes.answer(body, true);
    }

    /**
     * Mistral's errors: {@code {"message": "Unauthorized", "request_id"}}, {@code {"object":"error",
     * "message": …, "type": …}}, and FastAPI's validation {@code {"detail": [{"loc", "msg"}]}}, at the
     * top level or inside {@code message}.
     */
    @Override
    public String errorReason(ModelHttpResponse response) {
        JsonNode root = ErrorBodies.json(json, response.body());
        if (root != null) {
            if (root.path("message").isTextual()) {
                return root.get("message").asText();
            }
            String validation = validation(root.path("detail"));
            if (validation == null) {
                validation = validation(root.path("message").path("detail"));
            }
            if (validation != null) {
                return validation;
            }
            String other = ErrorBodies.openAiReason(root);
            if (other != null) {
                return other;
            }
        }
        return ErrorBodies.raw(response.body());
    }

    private static String validation(JsonNode detail) {
        if (detail.isTextual()) {
            return detail.asText();
        }
        if (!detail.isArray() || detail.isEmpty()) {
            return null;
        }
        List<String> problems = new ArrayList<>();
        for (JsonNode problem : detail) {
            List<String> loc = new ArrayList<>();
            problem.path("loc").forEach(part -> loc.add(part.asText()));
            problems.add(String.join(".", loc) + ": " + problem.path("msg").asText());
        }
        return String.join("; ", problems);
    }
}
