package dev.enclave.instance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * What a chat client sends reaches the gateway in the shape GitLab's Rails sends it to
 * {@code /v2/chat/agent}: the editor's file, the additional context, the page's context, and the
 * user's earlier turns as the conversation; the fields are checked as GitLab's chat API checks them.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class ChatRequestFieldsTest {

    static final String AGENT = "/gateway/v2/chat/agent";
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    TestData data;

    @Inject
    dev.enclave.instance.service.AiTokenCache aiTokens;

    String token;
    String apiToken;
    User user;

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        var fake = FakeTokenServiceAndGateway.server;
        fake.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"token\":\"h.p.s\",\"expires_at\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")));
        answerWith("First answer.");
        aiTokens.invalidateAll();
        user = data.user(User.ACTIVE);
        data.giveDuoSeat(user);
        token = data.token(user, Set.of("ai_features"), LocalDate.now().plusDays(1));
        apiToken = data.token(user, Set.of("api"), LocalDate.now().plusDays(1));
        SelfHostedModel model = data.model("chat-key");
        data.route("duo_chat", model);
    }

    private void answerWith(String text) {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo(AGENT)).willReturn(aResponse()
                .withHeader("Content-Type", "application/x-ndjson")
                .withBody("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"" + text + "\"}}\n")));
    }

    private Response chat(Map<String, Object> body) {
        return given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON).body(body)
                .post("/api/v4/chat/completions");
    }

    /** The body of the n-th call (from 0) the fake gateway received. */
    private JsonNode received(int n) throws Exception {
        List<LoggedRequest> calls = FakeTokenServiceAndGateway.server.findAll(postRequestedFor(urlEqualTo(AGENT)));
        assertThat(calls).hasSizeGreaterThan(n);
        return JSON.readTree(calls.get(n).getBodyAsString());
    }

    private JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void theFileTheContextAndTheIssueReachTheGatewayOnTheUserMessage() throws Exception {
        long project = Api.id(Api.post(apiToken, "/api/v4/projects", Map.of("name", "shop-" + user.id)));
        Response issue = Api.post(apiToken, "/api/v4/projects/" + project + "/issues",
                Map.of("title", "Checkout fails", "description", "500 on submit"));
        long issueId = Api.id(issue);
        String projectPath = Api.get(apiToken, "/api/v4/projects/" + project).path("path_with_namespace");

        Map<String, Object> body = new HashMap<>();
        body.put("content", "Why does this fail?");
        body.put("resource_type", "issue");
        body.put("resource_id", issueId);
        body.put("current_file", Map.of("file_name", "app/checkout.py", "content_above_cursor", "def pay():\n",
                "content_below_cursor", "    return 1\n", "selected_text", "def pay():"));
        body.put("additional_context", List.of(
                Map.of("category", "snippet", "id", "cart.py:1-3", "content", "cart = []"),
                Map.of("category", "file", "id", "README.md", "content", "# Shop", "metadata", Map.of("lines", 1))));
        Response response = chat(body);
        response.then().statusCode(201);
        assertThat(response.asString()).isEqualTo("\"First answer.\"");

        JsonNode sent = received(0);
        assertThat(sent.get("messages")).isEqualTo(json("""
                [{"role": "user", "content": "Why does this fail?",
                  "current_file": {"file_path": "app/checkout.py", "data": "def pay():", "selected_code": true},
                  "additional_context": [
                    {"category": "snippet", "id": "cart.py:1-3", "content": "cart = []", "metadata": {}},
                    {"category": "file", "id": "README.md", "content": "# Shop", "metadata": {"lines": 1}}],
                  "context": {"type": "issue", "content": "The user is on the page of issue #1 of project %s, titled \\"Checkout fails\\". Its description:\\n500 on submit"}}]
                """.formatted(projectPath)));
        assertThat(sent.get("options")).isEqualTo(json("{}"));
        assertThat(sent.path("model_metadata").path("name").asText()).isEqualTo("codestral");
        // GitLab's gateway serves each context category only with its unit primitive in the token.
        List<LoggedRequest> mints = FakeTokenServiceAndGateway.server.findAll(
                postRequestedFor(urlEqualTo("/internal/v1/ai-tokens")));
        assertThat(mints).hasSize(1);
        assertThat(JSON.readTree(mints.get(0).getBodyAsString()).get("scopes"))
                .isEqualTo(json("[\"duo_chat\", \"include_file_context\", \"include_snippet_context\"]"));
    }

    @Test
    void withoutASelectionTheTextAroundTheCursorIsSentAsTheFile() throws Exception {
        chat(Map.of("content", "Explain", "current_file", Map.of("file_name", "a.go",
                "content_above_cursor", "package a\n", "content_below_cursor", "func B() {}\n"))).then().statusCode(201);
        chat(Map.of("content", "Explain", "current_file", Map.of("file_name", "empty.go"))).then().statusCode(201);
        assertThat(received(0).at("/messages/0/current_file")).isEqualTo(json(
                "{\"file_path\": \"a.go\", \"data\": \"package a\\nfunc B() {}\\n\", \"selected_code\": false}"));
        // Nothing to say about a file that is only a name.
        assertThat(received(1).at("/messages/2").has("current_file")).isFalse();
    }

    @Test
    void earlierTurnsAreTheConversationUntilTheClientAsksForACleanHistory() throws Exception {
        chat(Map.of("content", "What is CI?")).then().statusCode(201);
        answerWith("Second answer.");
        chat(Map.of("content", "And CD?")).then().statusCode(201);
        assertThat(received(1).get("messages")).isEqualTo(json("""
                [{"role": "user", "content": "What is CI?"},
                 {"role": "assistant", "content": "First answer."},
                 {"role": "user", "content": "And CD?"}]"""));

        // GitLab's with_clean_history: the history is reset before the question and after it.
        chat(Map.of("content", "Fresh start", "with_clean_history", true)).then().statusCode(201);
        assertThat(received(2).get("messages")).isEqualTo(json("[{\"role\": \"user\", \"content\": \"Fresh start\"}]"));
        chat(Map.of("content", "Next", "with_clean_history", false)).then().statusCode(201);
        assertThat(received(3).get("messages")).isEqualTo(json("[{\"role\": \"user\", \"content\": \"Next\"}]"));

        // Each user has their own conversation.
        User other = data.user(User.ACTIVE);
        data.giveDuoSeat(other);
        given().header("PRIVATE-TOKEN", data.token(other, Set.of("api"), LocalDate.now().plusDays(1)))
                .contentType(ContentType.JSON).body(Map.of("content", "Mine?")).post("/api/v4/chat/completions")
                .then().statusCode(201);
        assertThat(received(4).get("messages")).isEqualTo(json("[{\"role\": \"user\", \"content\": \"Mine?\"}]"));
    }

    @Test
    void aFailedTurnIsNotKeptAndTheHistoryIsBounded() throws Exception {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo(AGENT)).willReturn(aResponse().withStatus(500)
                .withBody("boom")));
        chat(Map.of("content", "lost question")).then().statusCode(503);
        answerWith("ok");
        for (int i = 0; i < 30; i++) {
            chat(Map.of("content", "q" + i)).then().statusCode(201);
        }
        JsonNode messages = received(30).get("messages");
        // 50 earlier messages at most (GitLab's ChatConversation::LAST_N_MESSAGES), then the question.
        assertThat(messages).hasSize(51);
        assertThat(messages.get(0)).isEqualTo(json("{\"role\": \"user\", \"content\": \"q4\"}"));
        assertThat(messages.get(49)).isEqualTo(json("{\"role\": \"assistant\", \"content\": \"ok\"}"));
        assertThat(messages.toString()).doesNotContain("lost question");
    }

    @Test
    void additionalContextAndTheFileAreCheckedAsGitLabDoes() {
        Map<String, Object> bad = new HashMap<>(Map.of("content", "x"));
        bad.put("additional_context", List.of(Map.of("category", "secrets", "id", "a", "content", "b")));
        chat(bad).then().statusCode(400).header("X-GitLab-Error-Origin", "monolith")
                .body("error", equalTo("additional_context[0][category] does not have a valid value"));
        bad.put("additional_context", List.of(Map.of("category", "file", "id", "a", "content", "b"),
                Map.of("category", "terminal", "content", "b")));
        chat(bad).then().statusCode(400).body("error", equalTo("additional_context[1][id] is missing"));
        bad.put("additional_context", List.of(Map.of("category", "file", "id", " ", "content", "b")));
        chat(bad).then().statusCode(400).body("error", equalTo("additional_context[0][id] is empty"));
        bad.put("additional_context", List.of(Map.of("category", "file", "id", "x".repeat(256), "content", "b")));
        chat(bad).then().statusCode(400)
                .body("error", equalTo("additional_context[0][id] is too long (maximum is 255 characters)"));
        bad.put("additional_context", List.of(Map.of("category", "repository", "id", "r", "content", "x".repeat(600_001))));
        chat(bad).then().statusCode(400)
                .body("error", equalTo("additional_context[0][content] is too long (maximum is 600000 characters)"));
        bad.remove("additional_context");
        bad.put("current_file", Map.of("file_name", "f".repeat(1001)));
        chat(bad).then().statusCode(400)
                .body("error", equalTo("current_file[file_name] is too long (maximum is 1000 characters)"));
        FakeTokenServiceAndGateway.server.verify(0, postRequestedFor(urlEqualTo(AGENT)));
    }

    @Test
    void resourcesAreFoundAsGitLabsFindResourceFindsThem() throws Exception {
        String admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        long hiddenProject = Api.id(Api.post(admin, "/api/v4/projects", Map.of("name", "hidden-" + user.id)));
        long hiddenIssue = Api.id(Api.post(admin, "/api/v4/projects/" + hiddenProject + "/issues",
                Map.of("title", "secret")));
        long group = Api.id(Api.post(admin, "/api/v4/groups", Map.of("name", "g-" + user.id, "path", "g-" + user.id,
                "visibility", "private")));
        long mine = Api.id(Api.post(apiToken, "/api/v4/projects", Map.of("name", "mine-" + user.id)));

        // Not readable: GitLab's `not_found!`.
        for (Object[] hidden : new Object[][] {{"project", hiddenProject}, {"issue", hiddenIssue}, {"group", group}}) {
            chat(Map.of("content", "?", "resource_type", hidden[0], "resource_id", hidden[1])).then().statusCode(404)
                    .header("X-GitLab-Error-Origin", "monolith").body("message", equalTo("404 Not Found"));
        }
        // No such record (an id nothing has, a non-numeric id, the kinds this instance has no data for):
        // GitLab's answer to ActiveRecord::RecordNotFound.
        for (Object[] missing : new Object[][] {{"issue", 999_999_999}, {"project", "abc"}, {"epic", 1},
                {"merge_request", 1}, {"build", 1}, {"work_item", 1}, {"commit", "0123abcd"}}) {
            chat(Map.of("content", "?", "resource_type", missing[0], "resource_id", missing[1])).then()
                    .statusCode(404).body("message", equalTo("404 Not found"));
        }
        chat(Map.of("content", "?", "resource_type", "commit", "resource_id", "0123abcd", "project_id", mine))
                .then().statusCode(404).body("message", equalTo("404 Not found"));
        FakeTokenServiceAndGateway.server.verify(0, postRequestedFor(urlEqualTo(AGENT)));

        // A readable project is found; GitLab's gateway takes no page context for a project, so none is sent.
        chat(Map.of("content", "What is this project?", "resource_type", "project", "resource_id", String.valueOf(mine)))
                .then().statusCode(201);
        assertThat(received(0).at("/messages/0")).isEqualTo(json(
                "{\"role\": \"user\", \"content\": \"What is this project?\"}"));
        // resource_type without resource_id: GitLab's find_resource falls back to the user (no resource).
        chat(Map.of("content", "hi", "resource_type", "issue")).then().statusCode(201);
    }
}
