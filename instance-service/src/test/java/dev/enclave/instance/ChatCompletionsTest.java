package dev.enclave.instance;

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
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class ChatCompletionsTest {

    @Inject
    TestData data;

    @Inject
    dev.enclave.instance.service.AiTokenCache aiTokens;

    String token;
    User user;

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        var fake = FakeTokenServiceAndGateway.server;
        fake.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"token\":\"h.p.s\",\"expires_at\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")));
        fake.stubFor(post(urlEqualTo("/gateway/v2/chat/agent")).willReturn(aResponse()
                .withHeader("Content-Type", "application/x-ndjson")
                .withBody("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"Use \"}}\n"
                        + "{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"git revert.\"}}\n")));
        aiTokens.invalidateAll();
        user = data.user(User.ACTIVE);
        data.giveDuoSeat(user);
        token = data.token(user, Set.of("ai_features"), LocalDate.now().plusDays(1));
        SelfHostedModel model = data.model("chat-key");
        data.route("duo_chat", model);
    }

    private Response chat(Map<String, Object> body) {
        return given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON).body(body)
                .post("/api/v4/chat/completions");
    }

    @Test
    void answerIsTheGatewaysEventsJoinedIntoABareJsonString() {
        Response response = chat(Map.of("content", "How do I undo a commit?"));
        response.then().statusCode(201);
        assertThat(response.asString()).isEqualTo("\"Use git revert.\"");
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/gateway/v2/chat/agent"))
                .withRequestBody(matchingJsonPath("$.messages[0].content",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo("How do I undo a commit?")))
                .withRequestBody(matchingJsonPath("$.model_metadata.name",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo("codestral")))
                .withRequestBody(matchingJsonPath("$.model_metadata.api_key",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo("chat-key"))));
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/internal/v1/ai-tokens"))
                .withRequestBody(matchingJsonPath("$.scopes[0]",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo("duo_chat"))));
    }

    @Test
    void contentIsRequiredAndBounded() {
        chat(Map.of()).then().statusCode(400).body("error", equalTo("content is missing"));
        chat(Map.of("content", "x".repeat(1001))).then().statusCode(400);
        chat(Map.of("content", "x", "resource_type", "spaceship", "resource_id", 1)).then().statusCode(400);
    }

    @Test
    void resourcesTheUserCannotReadAreNotFound() {
        String admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        long hidden = Api.id(Api.post(admin, "/api/v4/projects", Map.of("name", "hidden-" + user.id)));
        // GitLab: `not_found!` for a resource the user cannot read ...
        chat(Map.of("content", "what is this?", "resource_type", "project", "resource_id", hidden))
                .then().statusCode(404).body("message", equalTo("404 Not Found"));
        // ... and ActiveRecord::RecordNotFound's answer for one that does not exist (this instance has no merge requests).
        chat(Map.of("content", "what is this?", "resource_type", "merge_request", "resource_id", 1))
                .then().statusCode(404).body("message", equalTo("404 Not found"));
        FakeTokenServiceAndGateway.server.verify(0, postRequestedFor(urlEqualTo("/gateway/v2/chat/agent")));
    }

    @Test
    void disabledChatAndUsersWithoutASeatAreNotFoundAsInGitLab() {
        // GitLab's lib/api/chat.rb: `not_found! unless user_allowed?(resource)`, and user_allowed? needs
        // `user.can?(:access_duo_chat)`, false without a seat or with chat disabled.
        data.disable("duo_chat");
        chat(Map.of("content", "hi")).then().statusCode(404).header("X-GitLab-Error-Origin", "monolith")
                .body("message", equalTo("404 Not Found"));
        String seatless = data.token(data.user(User.ACTIVE), Set.of("api"), LocalDate.now().plusDays(1));
        given().header("PRIVATE-TOKEN", seatless).contentType(ContentType.JSON).body(Map.of("content", "hi"))
                .post("/api/v4/chat/completions").then().statusCode(404).body("message", equalTo("404 Not Found"));
        FakeTokenServiceAndGateway.server.verify(0, postRequestedFor(urlEqualTo("/gateway/v2/chat/agent")));
    }

    @Test
    void chatIsLimitedToSixtyAMinutePerUser() {
        // The documented default (enclave.instance.rate-limits.chat.*: 60 per minute per user).
        for (int i = 0; i < 60; i++) {
            chat(Map.of("content", "q" + i)).then().statusCode(201);
        }
        chat(Map.of("content", "one more")).then().statusCode(429).header("X-GitLab-Error-Origin", "monolith")
                .header("Retry-After", org.hamcrest.Matchers.matchesPattern("[1-9][0-9]*"))
                .body("message", equalTo("429 Too Many Requests"));
        FakeTokenServiceAndGateway.server.verify(60, postRequestedFor(urlEqualTo("/gateway/v2/chat/agent")));
        // Per user: someone else may still ask.
        User other = data.user(User.ACTIVE);
        data.giveDuoSeat(other);
        given().header("PRIVATE-TOKEN", data.token(other, Set.of("api"), LocalDate.now().plusDays(1)))
                .contentType(ContentType.JSON).body(Map.of("content", "hi")).post("/api/v4/chat/completions")
                .then().statusCode(201);
    }

    @Test
    void anErrorEventFromTheGatewayIsAServiceUnavailableThatSaysSo() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/gateway/v2/chat/agent")).willReturn(aResponse()
                .withHeader("Content-Type", "application/x-ndjson")
                .withBody("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"Use \"}}\n"
                        + "{\"type\":\"error\",\"data\":{\"message\":\"model_server_error: upstream 500\","
                        + "\"retryable\":false}}\n")));
        chat(Map.of("content", "How do I undo a commit?")).then().statusCode(503)
                .header("X-GitLab-Error-Origin", "monolith")
                .body("message", org.hamcrest.Matchers.allOf(
                        org.hamcrest.Matchers.startsWith("503 Service Unavailable - AI gateway: the chat failed"),
                        org.hamcrest.Matchers.containsString("model_server_error: upstream 500")));
    }

    @Test
    void gatewayRefusalsKeepTheirStatusAndServerErrorsAreServiceUnavailable() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/gateway/v2/chat/agent")).willReturn(aResponse()
                .withStatus(403).withHeader("Content-Type", "application/json")
                .withBody("{\"detail\":\"Unauthorized to access duo chat\"}")));
        chat(Map.of("content", "hi")).then().statusCode(403)
                .body("message", org.hamcrest.Matchers.containsString("Unauthorized to access duo chat"));
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/gateway/v2/chat/agent")).willReturn(aResponse()
                .withStatus(500).withBody("boom")));
        chat(Map.of("content", "hi")).then().statusCode(503)
                .body("message", equalTo("500 - AI gateway: boom"));
    }

    @Test
    void unreachableGatewayIsServiceUnavailableNamingIt() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/gateway/v2/chat/agent")).willReturn(aResponse()
                .withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
        chat(Map.of("content", "hi")).then().statusCode(503)
                .header("X-GitLab-Error-Origin", "monolith")
                .body("message", equalTo("503 Service Unavailable - AI gateway is unreachable"));
    }
}
