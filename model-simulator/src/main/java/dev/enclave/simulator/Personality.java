package dev.enclave.simulator;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which model provider's API the simulator speaks: paths, authentication, request and response
 * shapes, and error bodies. One simulator has one personality; start several to fake several.
 */
public enum Personality {
    /** vLLM's OpenAI-compatible server ({@code /v1/completions}, {@code /v1/chat/completions}). */
    VLLM("vllm"),
    /** Mistral's API ({@code /v1/chat/completions}, {@code /v1/fim/completions}). */
    MISTRAL("mistral"),
    /** Anthropic's Messages API ({@code /v1/messages}). */
    ANTHROPIC("anthropic"),
    /** Azure OpenAI ({@code /openai/deployments/{deployment}/chat/completions?api-version=…}). */
    AZURE_OPENAI("azure_openai"),
    /** Amazon Bedrock Runtime's Converse API ({@code /model/{modelId}/converse}), AWS SigV4-signed. */
    BEDROCK("bedrock"),
    /**
     * Google Cloud Vertex AI's Gemini API
     * ({@code /v1/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent}) and
     * Claude on Vertex ({@code …/publishers/anthropic/models/{model}:rawPredict}) with OAuth 2 access
     * tokens, and the token endpoint that issues them for a service account's signed JWT.
     */
    VERTEX_AI("vertex_ai");

    private final String wireName;

    Personality(String wireName) {
        this.wireName = wireName;
    }

    /** The name used on the command line and in model-adapter's {@code provider} field. */
    public String wireName() {
        return wireName;
    }

    /** @throws IllegalArgumentException naming the known personalities */
    public static Personality fromWireName(String name) {
        return Arrays.stream(values())
                .filter(p -> p.wireName.equals(name.toLowerCase(Locale.ROOT)))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown personality '" + name + "'; use one of "
                        + Arrays.stream(values()).map(Personality::wireName).collect(Collectors.joining(", "))));
    }
}
