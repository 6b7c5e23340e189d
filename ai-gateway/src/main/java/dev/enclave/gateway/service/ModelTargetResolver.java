package dev.enclave.gateway.service;

import dev.enclave.gateway.client.AdapterWire;
import dev.enclave.gateway.logging.RedactedUrl;
import dev.enclave.gateway.rest.GatewayException;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.util.Locale;
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
            "bedrock", "bedrock",
            "vertex_ai", "vertex_ai");
    /** Bedrock models may leave the endpoint empty: model-adapter then calls AWS's endpoint for its region. */
    private static final String OPTIONAL_ENDPOINT_PROVIDER = "bedrock";

    /** For the code suggestion endpoints' flat {@code model_endpoint}, {@code model_identifier} and key. */
    public AdapterWire.ModelTarget resolve(String modelProvider, String endpoint, String identifier, String apiKey) {
        return resolve(endpoint, identifier, apiKey, "model_endpoint", "model_identifier");
    }

    /** For a prompt call's {@code model_metadata} object ({@code endpoint}, {@code identifier}, {@code api_key}). */
    public AdapterWire.ModelTarget resolveMetadata(String endpoint, String identifier, String apiKey) {
        return resolve(endpoint, identifier, apiKey, "model_metadata.endpoint", "model_metadata.identifier");
    }

    private static AdapterWire.ModelTarget resolve(String endpoint, String identifier, String apiKey,
                                                   String endpointField, String identifierField) {
        if (identifier == null || identifier.isBlank()) {
            throw GatewayException.invalid(identifierField, "field required for self-hosted models");
        }
        int slash = identifier.indexOf('/');
        String prefix = slash > 0 ? identifier.substring(0, slash) : null;
        String provider = prefix == null ? "openai_compatible" : PROVIDER_BY_PREFIX.get(prefix);
        if (provider == null) {
            throw GatewayException.invalid(identifierField, "unknown provider prefix '" + prefix
                    + "'; use one of " + PROVIDER_BY_PREFIX.keySet());
        }
        String model = prefix == null ? identifier : identifier.substring(slash + 1);
        if (endpoint == null || endpoint.isBlank()) {
            if (!OPTIONAL_ENDPOINT_PROVIDER.equals(provider)) {
                throw GatewayException.invalid(endpointField, "field required for self-hosted models");
            }
            return new AdapterWire.ModelTarget(provider, null, model, apiKey);
        }
        // model-adapter checks the URL closely (and where it resolves to); this only catches the obviously wrong
        try {
            URI uri = URI.create(endpoint.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getRawAuthority() == null) {
                throw new IllegalArgumentException("no http(s) scheme or no host");
            }
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid(endpointField, "not an absolute http(s) URL: " + RedactedUrl.of(endpoint));
        }
        return new AdapterWire.ModelTarget(provider, endpoint, model, apiKey);
    }
}
