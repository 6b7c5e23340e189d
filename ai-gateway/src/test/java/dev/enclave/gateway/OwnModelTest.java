package dev.enclave.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * A gateway with a model of its own (as a cloud gateway has) serves requests that name none, and
 * every request of a user's direct-access token.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
@TestProfile(OwnModelTest.WithOwnModel.class)
class OwnModelTest {

    public static class WithOwnModel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.gateway.own-model.endpoint", "http://127.0.0.1:9/v1",
                    "enclave.gateway.own-model.identifier", "custom_openai/vendor-codestral",
                    "enclave.gateway.own-model.family", "codestral",
                    "enclave.gateway.own-model.api-key", "own-key");
        }
    }

    @BeforeEach
    void adapterAnswers() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo("/adapter/v1/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"text\":\"x\",\"finish_reason\":\"length\",\"model\":\"vendor-codestral\"}")));
    }

    @Test
    void requestWithoutModelMetadataUsesTheGatewaysOwnModel() {
        given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(List.of("complete_code")))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "def f():")))
                .post("/v2/code/completions").then().statusCode(200)
                .body("model.name", equalTo("vendor-codestral"));
        FakeIssuerAndAdapter.server.verify(postRequestedFor(urlEqualTo("/adapter/v1/completions"))
                .withRequestBody(matchingJsonPath("$.model.endpoint",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo("http://127.0.0.1:9/v1")))
                .withRequestBody(matchingJsonPath("$.prompt",
                        com.github.tomakehurst.wiremock.client.WireMock.containing("[PREFIX]def f():"))));
    }

    @Test
    void chatWithoutModelMetadataUsesTheGatewaysOwnModel() {
        // a vendored or unassigned duo_chat: the instance sends the conversation with no model_metadata
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script("vendor-codestral")
                .delta("Hello").done("stop");
        given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(List.of("duo_chat")))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(Map.of("messages", List.of(Map.of("role", "user", "content", "What is a closure?"))))
                .post("/v2/chat/agent").then().statusCode(200)
                .body(containsString("\"text\":\"Hello\""));
        org.assertj.core.api.Assertions.assertThat(script.requestBody)
                .contains("\"endpoint\":\"http://127.0.0.1:9/v1\"").contains("What is a closure?");
    }

    @Test
    void aUserTokenGetsTheGatewaysOwnModelAndCannotNameAnother() {
        String user = "4021";
        String token = TestTokens.valid(List.of("complete_code"),
                c -> c.setStringClaim("gitlab_global_user_id", user));
        long before = FakeIssuerAndAdapter.adapter.calls.get();
        given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + token)
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .header("X-Gitlab-Global-User-Id", user)
                .body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "def g():"),
                        "model_endpoint", "http://10.1.2.3:8000/v1", "model_identifier", "custom_openai/other",
                        "model_name", "codestral"))
                .post("/v2/code/completions").then().statusCode(403);
        org.assertj.core.api.Assertions.assertThat(FakeIssuerAndAdapter.adapter.calls.get()).isEqualTo(before);

        given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + token)
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .header("X-Gitlab-Global-User-Id", user)
                // the editor's model_name does not choose the prompt either: the own model's family does
                .body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "def g():"),
                        "model_name", "claude_3"))
                .post("/v2/code/completions").then().statusCode(200)
                .body("model.name", equalTo("vendor-codestral"));
        FakeIssuerAndAdapter.server.verify(postRequestedFor(urlEqualTo("/adapter/v1/completions"))
                .withRequestBody(matchingJsonPath("$.model.endpoint",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo("http://127.0.0.1:9/v1")))
                .withRequestBody(matchingJsonPath("$.prompt",
                        com.github.tomakehurst.wiremock.client.WireMock.containing("[PREFIX]def g():"))));
    }
}
