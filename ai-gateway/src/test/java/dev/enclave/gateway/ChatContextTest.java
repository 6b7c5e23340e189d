package dev.enclave.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chat uses the {@code current_file} and {@code additional_context} a client sends, on a message
 * (GitLab's chat Message model) or in {@code options} (then for the last user message), in the
 * family's chat template; a code-only family has no chat template and answers 422 naming what to change.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class ChatContextTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, Object> body(String family, String identifier, List<Map<String, Object>> messages,
                                            Map<String, Object> options) {
        return Map.of("messages", messages, "options", options,
                "model_metadata", Map.of("provider", "litellm", "name", family, "endpoint", "http://127.0.0.1:9/v1",
                        "api_key", "k", "identifier", "custom_openai/" + identifier));
    }

    private static JsonNode ask(String family, List<Map<String, Object>> messages, Map<String, Object> options)
            throws Exception {
        String identifier = "chat-ctx-" + UUID.randomUUID();
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script(identifier).delta("ok").done("stop");
        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"),
                JSON.writeValueAsString(body(family, identifier, messages, options)))) {
            assertThat(response.status).isEqualTo(200);
            response.readRest();
        }
        return JSON.readTree(script.requestBody);
    }

    @Test
    void optionsCarryTheFileAndContextOfTheLastUserMessage() throws Exception {
        JsonNode call = ask("gpt", List.of(
                        Map.of("role", "user", "content", "First question"),
                        Map.of("role", "assistant", "content", "First answer"),
                        Map.of("role", "user", "content", "Explain this file")),
                Map.of("current_file", Map.of("file_path", "app/models/user.rb", "data", "class User\nend",
                                "selected_code", false),
                        "additional_context", List.of(Map.of("category", "snippet", "id", "s1",
                                "content", "def hello; end", "metadata", Map.of("language", "ruby")))));
        JsonNode messages = call.path("messages");
        assertThat(messages).hasSize(4);
        assertThat(messages.at("/1/content").asText()).isEqualTo("First question");
        assertThat(messages.at("/3/content").asText()).isEqualTo("""
                The current code file that user sees is app/models/user.rb and has the following content:
                <content>
                class User
                end
                </content>

                User added additional context below enclosed in <additional_context></additional_context> tags. \
                Each additional context has an ID, category, and content:
                <additional_context>
                    <id> s1 </id>
                    <category> snippet </category>
                    <content>
                    def hello; end
                    </content>
                </additional_context>

                Explain this file""");
    }

    @Test
    void aMessagesOwnFileWinsOverTheOptionsAndAMalformedOneIs422() throws Exception {
        JsonNode call = ask("mistral", List.of(Map.of("role", "user", "content", "Why?",
                        "current_file", Map.of("file_path", "a.go", "data", "x := 1", "selected_code", true))),
                Map.of("current_file", Map.of("file_path", "other.go", "data", "y", "selected_code", true)));
        assertThat(call.at("/messages/1/content").asText())
                .startsWith("User selected code below enclosed in <code></code> tags in file a.go to work with:")
                .doesNotContain("other.go");
        assertThat(call.path("stop").toString()).isEqualTo("[\"[INST]\"]");

        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"), JSON.writeValueAsString(
                body("mistral", "chat-ctx-bad", List.of(Map.of("role", "user", "content", "Why?",
                        "current_file", Map.of("file_path", "a.go"))), Map.of())))) {
            assertThat(response.status).isEqualTo(422);
            assertThat(new String(response.readRest(), StandardCharsets.UTF_8)).contains("messages.current_file");
        }
    }

    @Test
    void aCodeOnlyFamilyHasNoChatPromptAndTheErrorSaysWhatToChange() throws Exception {
        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"), JSON.writeValueAsString(
                body("codegemma", "chat-ctx-gemma", List.of(Map.of("role", "user", "content", "hi")), Map.of())))) {
            assertThat(response.status).isEqualTo(422);
            JsonNode detail = JSON.readTree(response.readRest()).path("detail").path(0);
            assertThat(detail.path("loc").toString()).isEqualTo("[\"body\",\"model_metadata.name\"]");
            assertThat(detail.path("msg").asText()).contains("'codegemma' is code-only")
                    .contains("assign Duo Chat a model of a chat family").contains("claude_3");
        }
    }
}
