package dev.enclave.gateway.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/** {@code POST /v2/chat/agent}: GitLab's chat request, and the NDJSON events it answers with. */
public final class ChatAgentWire {

    private ChatAgentWire() {
    }

    public record Message(String role, String content, JsonNode context,
                          @JsonProperty("current_file") JsonNode currentFile) {
    }

    public record ModelMetadata(String provider, String name, String endpoint, @JsonProperty("api_key") String apiKey,
                                String identifier) {
        @Override
        public String toString() {
            return "ModelMetadata[name=" + name + ", endpoint=" + endpoint + ", identifier=" + identifier + "]";
        }
    }

    public record Request(List<Message> messages, JsonNode options,
                          @JsonProperty("model_metadata") ModelMetadata modelMetadata) {
    }

    /** One NDJSON line: {@code {"type": "final_answer_delta", "data": {"text": "..."}}}. */
    public record Event(String type, EventData data) {
    }

    public record EventData(String text) {
    }
}
