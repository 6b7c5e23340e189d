package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.egress.ModelHttpResponse;
import dev.enclave.adapter.rest.AdapterWire;
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
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json");
        if (request.model().apiKey() != null && !request.model().apiKey().isEmpty()) {
            headers.put("api-key", request.model().apiKey());
        }
        String path = endpoint.basePathWithout("/openai") + "/openai/deployments/"
                + ModelEndpoint.pathSegment(request.model().identifier())
                + (request.messages() != null ? "/chat/completions" : "/completions")
                + "?api-version=" + API_VERSION;
        return new ProviderCall(path, headers,
                OpenAiShapes.body(json, request).toString().getBytes(StandardCharsets.UTF_8));
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
