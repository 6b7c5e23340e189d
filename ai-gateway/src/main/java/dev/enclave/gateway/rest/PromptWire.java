package dev.enclave.gateway.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.gateway.logging.RedactedUrl;

/** The body of {@code POST /v1/prompts/{prompt_id}}, as GitLab's AI gateway takes it. */
public final class PromptWire {

    private PromptWire() {
    }

    /** The self-hosted model to use; {@code name} is the model family, {@code identifier} the litellm-style id. */
    public record ModelMetadata(String provider, String name, String endpoint,
                                @JsonProperty("api_key") String apiKey, String identifier) {
        @Override
        public String toString() {
            // never print the key
            return "ModelMetadata[provider=" + provider + ", name=" + name + ", endpoint=" + RedactedUrl.of(endpoint)
                    + ", identifier=" + identifier + "]";
        }
    }

    public record Request(JsonNode inputs, @JsonProperty("prompt_version") String promptVersion, Boolean stream,
                          @JsonProperty("model_metadata") ModelMetadata modelMetadata) {
    }
}
