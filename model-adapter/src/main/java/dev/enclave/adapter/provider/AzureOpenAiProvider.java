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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Azure OpenAI: {@code POST {endpoint}/openai/deployments/{identifier}/chat/completions?api-version=2024-02-01}
 * (and {@code /completions} for raw prompts), key in the {@code api-key} header, OpenAI's shapes.
 * The identifier is the deployment name.
 */
@ApplicationScoped
public class AzureOpenAiProvider implements ModelProvider {

    /** The GA data-plane version whose request and response shapes this provider speaks. */
    static final String API_VERSION = "2024-02-01";
    /**
     * Streamed calls ask for the usage with {@code stream_options}, which Azure refuses as an
     * unrecognised argument before this GA version.
     */
    static final String STREAM_API_VERSION = "2024-10-21";

    private final ObjectMapper json;

    public AzureOpenAiProvider(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public String name() {
        return "azure_openai";
    }

    @Override
    public ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        return call(request, endpoint, OpenAiShapes.body(json, request), API_VERSION, "application/json");
    }

    @Override
    public ProviderCall streamCall(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        return call(request, endpoint, OpenAiShapes.streamBody(json, request), STREAM_API_VERSION,
                "text/event-stream");
    }

    @Override
    public StreamParser streamParser(AdapterWire.GenerateRequest request, StreamParser.Sink sink, int maxBytes) {
        return new OpenAiStreamParser(json, sink, maxBytes);
    }

    private ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint, ObjectNode body,
                              String apiVersion, String accept) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", accept);
        if (request.model().apiKey() != null && !request.model().apiKey().isEmpty()) {
            headers.put("api-key", request.model().apiKey());
        }
        String path = endpoint.basePathWithout("/openai") + "/openai/deployments/"
                + ModelEndpoint.pathSegment(request.model().identifier())
                + (request.messages() != null ? "/chat/completions" : "/completions")
                + "?api-version=" + apiVersion;
        return new ProviderCall(path, headers, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public AdapterWire.GenerateResponse answer(JsonNode body, AdapterWire.GenerateRequest request)
            throws UnexpectedAnswerException {
        return OpenAiShapes.answer(body, request.messages() != null);
    }

    /**
     * {@code {"error":{"code":"DeploymentNotFound","message":…}}} becomes {@code DeploymentNotFound: …};
     * numeric codes are left out.
     */
    @Override
    public String errorReason(ModelHttpResponse response) {
        JsonNode root = ErrorBodies.json(json, response.body());
        String message = ErrorBodies.openAiReason(root);
        if (message == null) {
            return ErrorBodies.raw(response.body());
        }
        String code = root.path("error").path("code").asText("");
        return code.isEmpty() || code.chars().allMatch(Character::isDigit) ? message : code + ": " + message;
    }
}
