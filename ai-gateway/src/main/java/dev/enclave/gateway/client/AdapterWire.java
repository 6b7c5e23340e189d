package dev.enclave.gateway.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.gateway.prompt.ModelPrompt;

import java.util.List;

/** The wire records of model-adapter's internal API (see model-adapter/README.md). */
public final class AdapterWire {

    private AdapterWire() {
    }

    public record ModelTarget(String provider, String endpoint, String identifier,
                              @JsonProperty("api_key") String apiKey) {
        @Override
        public String toString() {
            // never print the key
            return "ModelTarget[provider=" + provider + ", endpoint=" + endpoint + ", identifier=" + identifier + "]";
        }
    }

    /**
     * @param timeoutMs how long the gateway will wait for this call, when it waits less than
     *                  model-adapter's own read timeout; null otherwise
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GenerateRequest(ModelTarget model, String prompt, List<ModelPrompt.Message> messages,
                                  @JsonProperty("max_tokens") int maxTokens, double temperature, boolean stream,
                                  @JsonProperty("timeout_ms") Integer timeoutMs) {

        public GenerateRequest(ModelTarget model, String prompt, List<ModelPrompt.Message> messages, int maxTokens,
                               double temperature, boolean stream) {
            this(model, prompt, messages, maxTokens, temperature, stream, null);
        }
    }

    public record Usage(@JsonProperty("prompt_tokens") Integer promptTokens,
                        @JsonProperty("completion_tokens") Integer completionTokens) {
    }

    public record GenerateResponse(String text, @JsonProperty("finish_reason") String finishReason, String model,
                                   Usage usage) {
    }

    public record ErrorBody(String error, String message, @JsonProperty("model_status") Integer modelStatus) {
    }
}
