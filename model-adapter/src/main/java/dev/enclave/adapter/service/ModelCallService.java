package dev.enclave.adapter.service;

import dev.enclave.adapter.provider.ModelCallException;
import dev.enclave.adapter.provider.OpenAiCompatibleProvider;
import dev.enclave.adapter.rest.AdapterWire;
import jakarta.enterprise.context.ApplicationScoped;

/** Picks the provider client for a model target and validates what every call needs. */
@ApplicationScoped
public class ModelCallService {

    private final OpenAiCompatibleProvider openAiCompatible;

    public ModelCallService(OpenAiCompatibleProvider openAiCompatible) {
        this.openAiCompatible = openAiCompatible;
    }

    public AdapterWire.GenerateResponse generate(AdapterWire.GenerateRequest request) {
        validate(request);
        String provider = request.model().provider() == null ? "openai_compatible" : request.model().provider();
        if (!"openai_compatible".equals(provider)) {
            throw new ModelCallException(ModelCallException.Kind.INVALID_REQUEST, null,
                    "provider '" + provider + "' is not supported by this model-adapter; supported: openai_compatible");
        }
        return openAiCompatible.generate(request);
    }

    private static void validate(AdapterWire.GenerateRequest request) {
        if (request == null || request.model() == null) {
            throw invalid("model is required");
        }
        if (request.model().endpoint() == null || request.model().endpoint().isBlank()) {
            throw invalid("model.endpoint is required");
        }
        if (request.model().identifier() == null || request.model().identifier().isBlank()) {
            throw invalid("model.identifier is required");
        }
        boolean hasPrompt = request.prompt() != null;
        boolean hasMessages = request.messages() != null && !request.messages().isEmpty();
        if (hasPrompt == hasMessages) {
            throw invalid("exactly one of prompt and messages is required");
        }
        if (request.maxTokens() != null && request.maxTokens() < 1) {
            throw invalid("max_tokens must be at least 1");
        }
    }

    private static ModelCallException invalid(String message) {
        return new ModelCallException(ModelCallException.Kind.INVALID_REQUEST, null, message);
    }
}
