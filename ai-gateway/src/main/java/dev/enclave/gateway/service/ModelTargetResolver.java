package dev.enclave.gateway.service;

import dev.enclave.gateway.client.AdapterWire;
import dev.enclave.gateway.rest.GatewayException;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.util.Map;

/**
 * Turns the instance's model metadata (litellm-style {@code model_identifier} such as
 * {@code custom_openai/codestral-22b}) into the provider and model name model-adapter calls.
 */
@ApplicationScoped
public class ModelTargetResolver {

    /** litellm identifier prefix -> model-adapter provider. No prefix means an OpenAI-compatible server. */
    private static final Map<String, String> PROVIDER_BY_PREFIX = Map.of(
            "custom_openai", "openai_compatible",
            "openai", "openai_compatible",
            "hosted_vllm", "openai_compatible",
            "ollama", "openai_compatible",
            "mistral", "mistral",
            "anthropic", "anthropic",
            "azure", "azure_openai",
            "bedrock", "bedrock");

    public AdapterWire.ModelTarget resolve(String modelProvider, String endpoint, String identifier, String apiKey) {
        if (endpoint == null || endpoint.isBlank()) {
            throw GatewayException.invalid("model_endpoint", "field required for self-hosted models");
        }
        try {
            URI uri = URI.create(endpoint);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalArgumentException("no scheme or host");
            }
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid("model_endpoint", "not an absolute http(s) URL: " + endpoint);
        }
        if (identifier == null || identifier.isBlank()) {
            throw GatewayException.invalid("model_identifier", "field required for self-hosted models");
        }
        int slash = identifier.indexOf('/');
        String prefix = slash > 0 ? identifier.substring(0, slash) : null;
        String provider = prefix == null ? "openai_compatible" : PROVIDER_BY_PREFIX.get(prefix);
        if (provider == null) {
            throw GatewayException.invalid("model_identifier", "unknown provider prefix '" + prefix
                    + "'; use one of " + PROVIDER_BY_PREFIX.keySet());
        }
        String model = prefix == null ? identifier : identifier.substring(slash + 1);
        return new AdapterWire.ModelTarget(provider, endpoint, model, apiKey);
    }
}
