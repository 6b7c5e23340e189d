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
        return call(request, endpoint, OpenAiShapes.body(json, request), "application/json");
    }

    @Override
    public ProviderCall streamCall(AdapterWire.GenerateRequest request, ModelEndpoint endpoint) {
        return call(request, endpoint, OpenAiShapes.streamBody(json, request), "text/event-stream");
    }

    @Override
    public StreamParser streamParser(AdapterWire.GenerateRequest request, StreamParser.Sink sink, int maxBytes) {
        return new OpenAiStreamParser(json, sink, maxBytes);
    }

    private ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint, ObjectNode body,
                              String accept) {
        body.put("model", request.model().identifier());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", accept);
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
