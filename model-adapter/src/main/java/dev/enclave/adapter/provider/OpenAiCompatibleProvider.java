package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.egress.ModelHttpResponse;
import dev.enclave.adapter.rest.AdapterWire;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * vLLM, Ollama, llama.cpp, TGI and every other server speaking OpenAI's {@code /v1/completions}
 * and {@code /v1/chat/completions}. The API key goes in {@code Authorization: Bearer}.
 */
@ApplicationScoped
public class OpenAiCompatibleProvider implements ModelProvider {

    private final ObjectMapper json;

    public OpenAiCompatibleProvider(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public String name() {
        return "openai_compatible";
    }

    /** vLLM endpoints are configured with their {@code /v1} suffix; the bare host works too. */
    @Override
    public ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        ObjectNode body = OpenAiShapes.body(json, request);
        body.put("model", request.model().identifier());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json");
        String apiKey = request.model().apiKey();
        if (apiKey != null && !apiKey.isEmpty()) {
            headers.put("Authorization", "Bearer " + apiKey);
        }
        String path = endpoint.basePathEndingWith("/v1")
                + (request.messages() != null ? "/chat/completions" : "/completions");
        return new ProviderCall(path, headers, body.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public AdapterWire.GenerateResponse answer(JsonNode body, AdapterWire.GenerateRequest request)
            throws UnexpectedAnswerException {
        return OpenAiShapes.answer(body, request.messages() != null);
    }

    @Override
    public String errorReason(ModelHttpResponse response) {
        String reason = ErrorBodies.openAiReason(ErrorBodies.json(json, response.body()));
        return reason != null ? reason : ErrorBodies.raw(response.body());
    }
}
