package dev.enclave.gateway.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.enclave.gateway.logging.RedactedUrl;
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
            // never print the key, nor credentials in the URL
            return "ModelTarget[provider=" + provider + ", endpoint=" + RedactedUrl.of(endpoint) + ", identifier="
                    + identifier + "]";
        }
    }

    /**
     * @param timeoutMs how long model-adapter has for this call: the request's time left less the
     *                  gateway's margin (also sent as {@code X-Enclave-Timeout-Ms})
     * @param stop      the prompt's stop sequences, which model-adapter passes in each provider's own
     *                  field; left out of the body when there are none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GenerateRequest(ModelTarget model, String prompt, List<ModelPrompt.Message> messages,
                                  @JsonProperty("max_tokens") int maxTokens, double temperature, boolean stream,
                                  @JsonProperty("timeout_ms") Integer timeoutMs,
                                  @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> stop) {

        public GenerateRequest(ModelTarget model, String prompt, List<ModelPrompt.Message> messages, int maxTokens,
                               double temperature, boolean stream) {
            this(model, prompt, messages, maxTokens, temperature, stream, null, null);
        }

        /** The same call, with model-adapter's time for it. */
        public GenerateRequest withTimeoutMs(long millis) {
            return new GenerateRequest(model, prompt, messages, maxTokens, temperature, stream,
                    (int) Math.min(Integer.MAX_VALUE, millis), stop);
        }

        /** The same call, asking model-adapter for its NDJSON stream. */
        public GenerateRequest streaming() {
            return new GenerateRequest(model, prompt, messages, maxTokens, temperature, true, timeoutMs, stop);
        }

        /** The same call, with the prompt's stop sequences. */
        public GenerateRequest withStop(List<String> sequences) {
            return new GenerateRequest(model, prompt, messages, maxTokens, temperature, stream, timeoutMs,
                    sequences == null || sequences.isEmpty() ? null : List.copyOf(sequences));
        }
    }

    /**
     * The body of a streamed call: serialised as its {@link GenerateRequest}; it also carries the
     * handle through which {@link AdapterResponseTap} hands over the HTTP response, so that the
     * stream can pause reading it (see {@link BoundedRelay}).
     */
    public static final class StreamingCall {
        private final GenerateRequest request;
        private final BoundedRelay.Valve valve = new BoundedRelay.Valve();

        public StreamingCall(GenerateRequest request) {
            this.request = request;
        }

        @JsonValue
        public GenerateRequest request() {
            return request;
        }

        BoundedRelay.Valve valve() {
            return valve;
        }

        @Override
        public String toString() {
            return "StreamingCall[" + request.model() + "]";
        }
    }

    /**
     * One line of model-adapter's NDJSON stream: {@code delta} (with {@code text}), then exactly
     * one of {@code done} ({@code finish_reason}, {@code model}, {@code usage}) or {@code error}
     * ({@code error}, {@code message}).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StreamEvent(String type, String text, @JsonProperty("finish_reason") String finishReason,
                              String model, Usage usage, String error, String message) {

        public static final String DELTA = "delta";
        public static final String DONE = "done";
        public static final String ERROR = "error";
        /** model-adapter's {@code error} for a model that stopped answering in time. */
        public static final String MODEL_SERVER_TIMEOUT = "model_server_timeout";
        /** Not model-adapter's: the gateway's own, when model-adapter's connection ended without {@code done}. */
        public static final String ADAPTER_CONNECTION_LOST = "model_adapter_connection_lost";

        public static StreamEvent failure(String error, String message) {
            return new StreamEvent(ERROR, null, null, null, null, error, message);
        }

        public boolean isDelta() {
            return DELTA.equals(type);
        }

        public boolean isDone() {
            return DONE.equals(type);
        }

        public boolean isError() {
            return ERROR.equals(type);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Usage(@JsonProperty("prompt_tokens") Integer promptTokens,
                        @JsonProperty("completion_tokens") Integer completionTokens) {
    }

    public record GenerateResponse(String text, @JsonProperty("finish_reason") String finishReason, String model,
                                   Usage usage) {
    }

    public record ErrorBody(String error, String message, @JsonProperty("model_status") Integer modelStatus) {
    }
}
