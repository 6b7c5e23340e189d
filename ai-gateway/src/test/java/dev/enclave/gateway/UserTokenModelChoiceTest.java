package dev.enclave.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * Issue 12, finding 1: a user's direct-access token (it carries {@code gitlab_global_user_id})
 * cannot name the model endpoint, key or identifier: it is refused with 403 before anything is
 * sent to model-adapter. The instance's own token still names the model. This gateway has no model
 * of its own ({@link OwnModelTest} covers one that has).
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class UserTokenModelChoiceTest {

    static final String USER = "4021";
    static final String FOREIGN = "http://10.1.2.3:8000/v1";
    static final String REFUSED = "A direct-access (user) token cannot choose the model: ";
    static final List<String> SCOPES = List.of("complete_code", "generate_code", "duo_chat");

    static final Map<String, Object> CODE = Map.of(
            "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    "),
            "model_provider", "litellm",
            "model_endpoint", FOREIGN,
            "model_identifier", "custom_openai/user-chosen",
            "model_name", "codestral");
    static final Map<String, Object> METADATA = Map.of("provider", "litellm", "name", "mistral", "endpoint", FOREIGN,
            "api_key", "k", "identifier", "custom_openai/user-chosen");
    static final Map<String, Object> CHECK = Map.of("inputs", Map.of(), "model_metadata", METADATA);
    static final Map<String, Object> CHAT = Map.of(
            "messages", List.of(Map.of("role", "user", "content", "hi")), "model_metadata", METADATA);

    @BeforeEach
    void adapterAnswers() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo("/adapter/v1/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"text\":\"return a + b\",\"finish_reason\":\"stop\",\"model\":\"codestral-22b\"}")));
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo("/adapter/v1/chat/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"text\":\"OK\",\"finish_reason\":\"stop\",\"model\":\"user-chosen\"}")));
    }

    private static String userToken() {
        return TestTokens.valid(SCOPES, c -> c.setStringClaim("gitlab_global_user_id", USER));
    }

    /** A user's direct-access token, with the headers its editor sends. */
    static RequestSpecification asUser() {
        return as(userToken()).header("X-Gitlab-Global-User-Id", USER);
    }

    static RequestSpecification asInstance() {
        return as(TestTokens.valid(SCOPES));
    }

    private static RequestSpecification as(String token) {
        return given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + token)
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID);
    }

    static Map<String, Object> streamed(Map<String, Object> body) {
        Map<String, Object> copy = new HashMap<>(body);
        copy.put("stream", true);
        return copy;
    }

    private static long adapterCalls() {
        return FakeIssuerAndAdapter.adapter.calls.get();
    }

    @Test
    void aUserTokenNamingAForeignModelIsRefusedOnEveryModelEndpointAndNothingReachesModelAdapter() {
        long before = adapterCalls();
        Map<String, Map<String, Object>> calls = Map.of(
                "/v1/prompts/model_configuration%2Fcheck", CHECK,
                "/v2/code/completions", CODE,
                "/v2/code/generations", CODE,
                "/v2/chat/agent", CHAT);
        calls.forEach((path, body) -> {
            for (Map<String, Object> sent : List.of(body, streamed(body))) {
                asUser().body(sent).post(path).then().statusCode(403)
                        .body("detail", startsWith(REFUSED));
            }
        });
        assertThat(adapterCalls()).as("calls that reached model-adapter").isEqualTo(before);
    }

    @Test
    void anyOneOfTheModelFieldsIsEnough() {
        long before = adapterCalls();
        Map<String, Object> keyOnly = new HashMap<>(CODE);
        keyOnly.remove("model_endpoint");
        keyOnly.remove("model_identifier");
        keyOnly.put("model_api_key", "k");
        asUser().body(keyOnly).post("/v2/code/completions").then().statusCode(403)
                .body("detail", equalTo(REFUSED + "model_endpoint, model_api_key and model_identifier are accepted"
                        + " only with the GitLab instance's own token. Send the request without them to use this"
                        + " gateway's model, or send it through the GitLab instance"));
        assertThat(adapterCalls()).isEqualTo(before);
    }

    @Test
    void withoutAModelOfItsOwnTheGatewayRefusesAUserTokenThatNamesNone() {
        long before = adapterCalls();
        asUser().body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x")))
                .post("/v2/code/completions").then().statusCode(403)
                .body("detail", equalTo("This gateway serves direct-access (user) tokens only with a model of its own"
                        + " (enclave.gateway.own-model), and none is configured: send the request through the GitLab"
                        + " instance"));
        asUser().body(Map.of("inputs", Map.of())).post("/v1/prompts/model_configuration%2Fcheck")
                .then().statusCode(403);
        asUser().body(Map.of("messages", List.of(Map.of("role", "user", "content", "hi"))))
                .post("/v2/chat/agent").then().statusCode(403);
        assertThat(adapterCalls()).isEqualTo(before);
    }

    @Test
    void theInstancesOwnTokenStillNamesTheModel() {
        long before = adapterCalls();
        asInstance().body(CODE).post("/v2/code/completions").then().statusCode(200)
                .body("choices[0].text", equalTo("return a + b"));
        asInstance().body(CHECK).post("/v1/prompts/model_configuration%2Fcheck")
                .then().statusCode(200);
        assertThat(adapterCalls()).isEqualTo(before + 2);
    }
}
