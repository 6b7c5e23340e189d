package dev.enclave.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class ChatAgentTest {

    static final Map<String, Object> BODY = Map.of(
            "messages", List.of(Map.of("role", "user", "content", "How do I revert a commit?")),
            "model_metadata", Map.of("provider", "litellm", "name", "mistral", "endpoint", "http://127.0.0.1:9/v1",
                    "api_key", "k", "identifier", "custom_openai/mistral-7b"));

    private FakeStreamingAdapter.Script adapter;

    @BeforeEach
    void adapterStreams() {
        // chat always streams from model-adapter: its NDJSON events are the answer's format
        adapter = FakeStreamingAdapter.script("mistral-7b").delta("Use git revert.").done("stop");
    }

    private static RequestSpecification withScopes(List<String> scopes) {
        return given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(scopes))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID);
    }

    @Test
    void answersAsOneNdjsonEventPerLineWithDuosSystemPrompt() throws Exception {
        withScopes(List.of("duo_chat")).body(BODY).post("/v2/chat/agent").then().statusCode(200)
                .contentType(startsWith("application/x-ndjson"))
                .body(equalTo("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"Use git revert.\"}}\n"));
        JsonNode call = new ObjectMapper().readTree(adapter.requestBody);
        assertThat(call.path("messages").get(0).path("role").asText()).isEqualTo("system");
        assertThat(call.path("messages").get(1).path("content").asText()).isEqualTo("How do I revert a commit?");
        assertThat(call.path("stream").asBoolean()).isTrue();
    }

    @Test
    void needsTheDuoChatPrimitive() {
        withScopes(List.of("complete_code")).body(BODY).post("/v2/chat/agent").then().statusCode(403)
                .body("detail", equalTo("Unauthorized to access duo chat"));
    }

    @Test
    void messagesAreValidated() {
        withScopes(List.of("duo_chat")).body(Map.of("messages", List.of(Map.of("role", "system", "content", "x")),
                "model_metadata", BODY.get("model_metadata"))).post("/v2/chat/agent")
                .then().statusCode(422).body("detail[0].loc[1]", equalTo("messages.role"));
    }
}
