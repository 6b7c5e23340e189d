package dev.enclave.instance;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class CodeSuggestionsTest {

    static final String API_KEY = "sk-model-key-0123456789";
    /** The gateway's answer: the example of the contract ai-gateway's build verifies it against. */
    static final String COMPLETION = dev.enclave.contracts.ContractVerifier.exampleResponseBody(
            dev.enclave.contracts.Contracts.get("instance-service", "ai-gateway", "a code completion from a self-hosted model"));

    @Inject
    TestData data;

    @Inject
    dev.enclave.instance.service.AiTokenCache aiTokens;

    String token;
    SelfHostedModel model;

    @BeforeEach
    void setUp() {
        var fake = FakeTokenServiceAndGateway.server;
        FakeTokenServiceAndGateway.reset();
        FakeTokenServiceAndGateway.mintsAiToken("header.payload.sig");
        fake.stubFor(post(urlEqualTo("/gateway/v2/code/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        fake.stubFor(post(urlEqualTo("/gateway/v2/code/generations")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(COMPLETION)));
        aiTokens.invalidateAll();
        User user = data.user(User.ACTIVE);
        data.giveDuoSeat(user);
        token = data.token(user, Set.of("ai_features"), java.time.LocalDate.now().plusDays(30));
        model = data.model(API_KEY);
        data.route("code_completions", model);
        data.route("code_generations", model);
    }

    private RequestSpecification request(Object body) {
        return given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON).body(body);
    }

    static Map<String, Object> body(String above) {
        return Map.of("current_file", Map.of("file_name", "main.py", "content_above_cursor", above,
                "content_below_cursor", ""));
    }

    @Test
    void completionIsForwardedToTheSelfHostedGatewayWithModelMetadata() {
        request(body("def add(a, b):\n    ")).post("/api/v4/code_suggestions/completions")
                .then().statusCode(200)
                .body("choices[0].text", org.hamcrest.Matchers.equalTo("return a + b"))
                .body("model.lang", org.hamcrest.Matchers.equalTo("python"));

        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/gateway/v2/code/completions"))
                .withHeader("Authorization", equalTo("Bearer header.payload.sig"))
                .withHeader("X-Gitlab-Authentication-Type", equalTo("oidc"))
                .withHeader("X-Gitlab-Realm", equalTo("self-managed"))
                .withRequestBody(matchingJsonPath("$.model_provider", equalTo("litellm")))
                .withRequestBody(matchingJsonPath("$.model_endpoint", equalTo("http://127.0.0.1:8000/v1")))
                .withRequestBody(matchingJsonPath("$.model_identifier", equalTo("custom_openai/codestral-22b")))
                .withRequestBody(matchingJsonPath("$.model_name", equalTo("codestral")))
                .withRequestBody(matchingJsonPath("$.model_api_key", equalTo(API_KEY))));
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/internal/v1/ai-tokens"))
                .withBasicAuth(new com.github.tomakehurst.wiremock.client.BasicCredentials("instance-service",
                        "test-instance-secret"))
                .withRequestBody(matchingJsonPath("$.scopes[0]", equalTo("complete_code")))
                // the unit primitives that let the client's context[] into the gateway's prompt
                .withRequestBody(matchingJsonPath("$.scopes[1]", equalTo("include_file_context")))
                .withRequestBody(matchingJsonPath("$.scopes[2]", equalTo("include_snippet_context"))));
    }

    @Test
    void instanceIdHeaderIsTheInstanceUuid() {
        request(body("x")).post("/api/v4/code_suggestions/completions").then().statusCode(200);
        LoggedRequest sent = FakeTokenServiceAndGateway.server
                .findAll(postRequestedFor(urlEqualTo("/gateway/v2/code/completions"))).get(0);
        String instanceId = sent.getHeader("X-Gitlab-Instance-Id");
        java.util.UUID.fromString(instanceId);
        assertThat(FakeTokenServiceAndGateway.server.findAll(postRequestedFor(urlEqualTo("/internal/v1/ai-tokens")))
                .get(0).getBodyAsString()).contains(instanceId);
    }

    @Test
    void aiTokenIsCachedAcrossRequests() {
        for (int i = 0; i < 3; i++) {
            request(body("x" + i)).post("/api/v4/code_suggestions/completions").then().statusCode(200);
        }
        assertThat(FakeTokenServiceAndGateway.server.findAll(postRequestedFor(urlEqualTo("/internal/v1/ai-tokens"))))
                .hasSize(1);
    }

    @Test
    void generationIntentGoesToGenerationsWithItsOwnFeatureAndScope() {
        data.disable("code_completions");
        request(Map.of("intent", "generation", "current_file", Map.of("file_name", "a.py",
                "content_above_cursor", "# sort a list\n"))).post("/api/v4/code_suggestions/completions")
                .then().statusCode(200);
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/gateway/v2/code/generations"))
                .withRequestBody(matchingJsonPath("$.prompt_id", equalTo("code_suggestions/generations"))));
    }

    @Test
    void clientCannotChooseTheModelServer() {
        request(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x"),
                "model_endpoint", "http://169.254.169.254/latest", "model_api_key", "stolen"))
                .post("/api/v4/code_suggestions/completions").then().statusCode(200);
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/gateway/v2/code/completions"))
                .withRequestBody(matchingJsonPath("$.model_endpoint", equalTo("http://127.0.0.1:8000/v1")))
                .withRequestBody(matchingJsonPath("$.model_api_key", equalTo(API_KEY))));
    }

    @Test
    void unknownFieldsArePassedOn() {
        request(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x"),
                "telemetry", List.of(Map.of("model_engine", "x"))))
                .post("/api/v4/code_suggestions/completions").then().statusCode(200);
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/gateway/v2/code/completions"))
                .withRequestBody(matchingJsonPath("$.telemetry[0].model_engine", equalTo("x"))));
    }

    @Test
    void cursorContentIsTrimmedToTheHundredThousandCharactersNearestTheCursor() {
        String above = "a".repeat(50_000) + "b".repeat(100_000);
        String below = "c".repeat(100_000) + "d".repeat(50_000);
        request(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", above,
                "content_below_cursor", below))).post("/api/v4/code_suggestions/completions").then().statusCode(200);
        String sent = FakeTokenServiceAndGateway.server
                .findAll(postRequestedFor(urlEqualTo("/gateway/v2/code/completions"))).get(0).getBodyAsString();
        assertThat(sent).contains("\"content_above_cursor\":\"" + "b".repeat(100_000) + "\"")
                .contains("\"content_below_cursor\":\"" + "c".repeat(100_000) + "\"");
    }

    @Test
    void disabledFeatureIsUnauthorized() {
        data.disable("code_completions");
        request(body("x")).post("/api/v4/code_suggestions/completions")
                .then().statusCode(401).body("message", org.hamcrest.Matchers.equalTo("401 Unauthorized"));
        assertThat(FakeTokenServiceAndGateway.server.findAll(postRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()))).isEmpty();
    }

    @Test
    void missingCurrentFileIsABadRequest() {
        request(Map.of("intent", "completion")).post("/api/v4/code_suggestions/completions")
                .then().statusCode(400).body("error", org.hamcrest.Matchers.equalTo("current_file is missing"));
    }

    @Test
    void missingFileNameIsABadRequest() {
        request(Map.of("current_file", Map.of("content_above_cursor", "x"))).post("/api/v4/code_suggestions/completions")
                .then().statusCode(400)
                .body("error", org.hamcrest.Matchers.equalTo("current_file[file_name] is missing"));
    }

    @Test
    void invalidIntentIsABadRequest() {
        request(Map.of("intent", "poetry", "current_file", Map.of("file_name", "a", "content_above_cursor", "x")))
                .post("/api/v4/code_suggestions/completions")
                .then().statusCode(400).body("error", org.hamcrest.Matchers.equalTo("intent does not have a valid value"));
    }

    @Test
    void malformedJsonIsABadRequestThatSaysSo() {
        request("{not json").post("/api/v4/code_suggestions/completions")
                .then().statusCode(400)
                .body("error", org.hamcrest.Matchers.startsWith("Request body is not valid JSON"));
    }

    @Test
    void bodyOverSixHundredThousandBytesIsTooLarge() {
        request(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x",
                "content_below_cursor", "y".repeat(600_001)))).post("/api/v4/code_suggestions/completions")
                .then().statusCode(413);
    }

    @Test
    void gatewayErrorsReachTheCallerUnchanged() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/gateway/v2/code/completions")).willReturn(aResponse()
                .withStatus(421).withHeader("Content-Type", "application/json")
                .withBody("{\"detail\":\"401: model server refused the API key\"}")));
        request(body("x")).post("/api/v4/code_suggestions/completions")
                .then().statusCode(421)
                .body("detail", org.hamcrest.Matchers.equalTo("401: model server refused the API key"));
    }

    @Test
    void unreachableGatewayIsServiceUnavailableNamingIt() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/gateway/v2/code/completions")).willReturn(aResponse()
                .withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
        request(body("x")).post("/api/v4/code_suggestions/completions")
                .then().statusCode(503).header("X-GitLab-Error-Origin", "monolith")
                .body("message", org.hamcrest.Matchers.equalTo("503 Service Unavailable - AI gateway is unreachable"));
    }

    @Test
    void modelApiKeyIsStoredOnlyEncrypted() {
        String stored = data.storedCiphertext(model.id);
        assertThat(stored).startsWith("v1.").doesNotContain(API_KEY);
    }
}
