package dev.enclave.adapter.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** Wire records of this service's API (called by ai-gateway). */
public final class AdapterWire {

    private AdapterWire() {
    }

    public record ModelTarget(String provider, String endpoint, String identifier,
                              @JsonProperty("api_key") String apiKey) {
        @Override
        public String toString() {
            return "ModelTarget[provider=" + provider + ", endpoint=" + endpoint + ", identifier=" + identifier + "]";
        }
    }

    public record Message(String role, String content) {
    }

    /**
     * @param timeoutMs how long the caller will wait, when shorter than the adapter's read timeout
     *                  (the connection check asks for a few seconds)
     * @param stop      stop sequences: the model stops before generating any of them (null or empty: none);
     *                  each provider gets them in its own field
     */
    public record GenerateRequest(ModelTarget model, String prompt, List<Message> messages,
                                  @JsonProperty("max_tokens") Integer maxTokens, Double temperature, Boolean stream,
                                  @JsonProperty("timeout_ms") Integer timeoutMs, List<String> stop) {

        /** The stop sequences, never null. */
        public List<String> stopSequences() {
            return stop == null ? List.of() : stop;
        }
    }

    public record Usage(@JsonProperty("prompt_tokens") Integer promptTokens,
                        @JsonProperty("completion_tokens") Integer completionTokens) {
    }

    public record GenerateResponse(String text, @JsonProperty("finish_reason") String finishReason, String model,
                                   Usage usage) {
    }

    /** A streamed answer's piece of text: {@code {"type":"delta","text":…}}. */
    public record DeltaEvent(String type, String text) {
        public DeltaEvent(String text) {
            this("delta", text);
        }
    }

    /** The last event of a stream that finished; {@code usage} is null when the provider gave none. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record DoneEvent(String type, @JsonProperty("finish_reason") String finishReason, String model,
                            Usage usage) {
        public DoneEvent(String finishReason, String model, Usage usage) {
            this("done", finishReason, model, usage);
        }
    }

    /**
     * The last event of a stream that broke after its 200 went out; {@code error} is
     * {@code model_server_error}, {@code model_server_timeout} or {@code model_server_unreachable}.
     */
    public record ErrorEvent(String type, String error, String message) {
        public ErrorEvent(String error, String message) {
            this("error", error, message);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ErrorBody(String error, String message, @JsonProperty("model_status") Integer modelStatus) {
    }
}
