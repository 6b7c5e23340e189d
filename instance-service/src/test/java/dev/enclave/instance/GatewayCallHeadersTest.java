package dev.enclave.instance;

import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.service.InstanceIdentityService;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The headers GitLab's instance sends its AI gateway, as the fake gateway received them, on chat
 * and on code completions: the token, the instance's identity, a pseudonymous user id (never the
 * database id), the host name, the version, and the caller's request id.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class GatewayCallHeadersTest {

    @Inject
    TestData data;

    @Inject
    InstanceConfig config;

    @Inject
    InstanceIdentityService identity;

    @Inject
    dev.enclave.instance.service.AiTokenCache aiTokens;

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        var fake = FakeTokenServiceAndGateway.server;
        fake.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"token\":\"h.p.s\",\"expires_at\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")));
        fake.stubFor(post(urlEqualTo("/gateway/v2/chat/agent")).willReturn(aResponse()
                .withHeader("Content-Type", "application/x-ndjson")
                .withBody("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"ok\"}}\n")));
        fake.stubFor(post(urlEqualTo("/gateway/v2/code/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody("{\"choices\":[{\"text\":\"ok\"}]}")));
        aiTokens.invalidateAll();
        SelfHostedModel model = data.model("key");
        data.route("duo_chat", model);
        data.route("code_completions", model);
    }

    private String tokenOfASeatedUser(User user) {
        data.giveDuoSeat(user);
        return data.token(user, Set.of("ai_features"), LocalDate.now().plusDays(1));
    }

    private HttpHeaders lastCallTo(String path) {
        List<LoggedRequest> calls = FakeTokenServiceAndGateway.server.findAll(postRequestedFor(urlEqualTo(path)));
        assertThat(calls).isNotEmpty();
        return calls.get(calls.size() - 1).getHeaders();
    }

    @Test
    void chatAndCompletionsCarryGitLabsHeadersWithAPseudonymousUserId() {
        User user = data.user(User.ACTIVE);
        String token = tokenOfASeatedUser(user);
        given().header("PRIVATE-TOKEN", token).header("X-Request-ID", "req-chat-1").contentType(ContentType.JSON)
                .body(Map.of("content", "hi")).post("/api/v4/chat/completions").then().statusCode(201)
                .header("X-Request-ID", "req-chat-1");
        given().header("PRIVATE-TOKEN", token).header("X-Request-ID", "req-code-1").contentType(ContentType.JSON)
                .body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x")))
                .post("/api/v4/code_suggestions/completions").then().statusCode(200);

        HttpHeaders chat = lastCallTo("/gateway/v2/chat/agent");
        HttpHeaders code = lastCallTo("/gateway/v2/code/completions");
        for (HttpHeaders sent : List.of(chat, code)) {
            assertThat(sent.getHeader("Authorization").firstValue()).isEqualTo("Bearer h.p.s");
            assertThat(sent.getHeader("X-Gitlab-Authentication-Type").firstValue()).isEqualTo("oidc");
            assertThat(sent.getHeader("X-Gitlab-Instance-Id").firstValue()).isEqualTo(identity.instanceId());
            assertThat(sent.getHeader("X-Gitlab-Realm").firstValue()).isEqualTo("self-managed");
            assertThat(sent.getHeader("X-Gitlab-Host-Name").firstValue()).isEqualTo(config.hostName());
            assertThat(sent.getHeader("X-Gitlab-Version").firstValue()).isEqualTo(config.version());
            assertThat(sent.getHeader("x-gitlab-enabled-instance-verbose-ai-logs").firstValue()).isEqualTo("false");
            // Pseudonymous: a hash, not the user's id in the database.
            assertThat(sent.getHeader("X-Gitlab-Global-User-Id").firstValue()).matches("[0-9a-f]{32}")
                    .isNotEqualTo(String.valueOf(user.id));
        }
        assertThat(chat.getHeader("X-Request-ID").firstValue()).isEqualTo("req-chat-1");
        assertThat(code.getHeader("X-Request-ID").firstValue()).isEqualTo("req-code-1");
        // The same user is the same pseudonym on every call.
        String pseudonym = chat.getHeader("X-Gitlab-Global-User-Id").firstValue();
        assertThat(code.getHeader("X-Gitlab-Global-User-Id").firstValue()).isEqualTo(pseudonym);

        // Another user is another pseudonym.
        String otherToken = tokenOfASeatedUser(data.user(User.ACTIVE));
        given().header("PRIVATE-TOKEN", otherToken).contentType(ContentType.JSON).body(Map.of("content", "hi"))
                .post("/api/v4/chat/completions").then().statusCode(201);
        assertThat(lastCallTo("/gateway/v2/chat/agent").getHeader("X-Gitlab-Global-User-Id").firstValue())
                .matches("[0-9a-f]{32}").isNotEqualTo(pseudonym);
    }

    @Test
    void withoutARequestIdFromTheCallerTheInstanceMakesOneAndSendsIt() {
        String token = tokenOfASeatedUser(data.user(User.ACTIVE));
        String answered = given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("content", "hi")).post("/api/v4/chat/completions").then().statusCode(201)
                .extract().header("X-Request-ID");
        assertThat(answered).isNotBlank();
        assertThat(lastCallTo("/gateway/v2/chat/agent").getHeader("X-Request-ID").firstValue()).isEqualTo(answered);
    }
}
