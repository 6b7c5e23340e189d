package dev.enclave.gateway.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.gateway.logging.RedactedUrl;

import java.util.List;

/** {@code POST /v2/chat/agent}: GitLab's chat request, and the NDJSON events it answers with. */
public final class ChatAgentWire {

    private ChatAgentWire() {
    }

    /**
     * A conversation message, as GitLab's {@code ai_gateway/chat} Message model:
     * {@code current_file} {@code {file_path, data, selected_code}} (the file the user has open, or
     * the code they selected in it) and {@code additional_context}
     * {@code [{category, id, content, metadata}]} (what the user added), both for user messages.
     */
    public record Message(String role, String content, JsonNode context,
                          @JsonProperty("current_file") JsonNode currentFile,
                          @JsonProperty("additional_context") JsonNode additionalContext) {
    }

    public record ModelMetadata(String provider, String name, String endpoint, @JsonProperty("api_key") String apiKey,
                                String identifier) {
        @Override
        public String toString() {
            return "ModelMetadata[name=" + name + ", endpoint=" + RedactedUrl.of(endpoint) + ", identifier=" + identifier + "]";
        }
    }

    public record Request(List<Message> messages, JsonNode options,
                          @JsonProperty("model_metadata") ModelMetadata modelMetadata) {
    }

    /**
     * One NDJSON line, GitLab's agent event shape ({@code AgentBaseEvent.dump_as_response} in
     * GitLab's ai_gateway/chat/agents/typing.py): {@code {"type": ..., "data": {...}}}.
     */
    public record Event(String type, Object data) {

        /** {@code AgentFinalAnswer}: {@code {"type":"final_answer_delta","data":{"text":"..."}}}. */
        public static Event finalAnswerDelta(String text) {
            return new Event("final_answer_delta", new FinalAnswerDelta(text));
        }

        /** {@code AgentError}: {@code {"type":"error","data":{"message":"...","retryable":false}}}. */
        public static Event error(String message, boolean retryable) {
            return new Event("error", new Error(message, retryable));
        }
    }

    public record FinalAnswerDelta(String text) {
    }

    public record Error(String message, boolean retryable) {
    }
}
