package dev.enclave.gateway;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * Every model-adapter call carries a client-credentials token from token-service; a token that
 * cannot be had is a clear 503. Runs on its own application (a profile), so that no token cached by
 * other tests hides token-service's answers. Each test ends with no usable token cached: either
 * none, or one due for renewal at once (60 s or less left), so the next call asks token-service.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
@TestProfile(ModelAdapterCredentialsTest.OwnApplication.class)
class ModelAdapterCredentialsTest {

    public static class OwnApplication implements QuarkusTestProfile {
    }

    private static final String TOKEN_PATH = "/oauth/token";
    private static final String ADAPTER_COMPLETIONS = "/adapter/v1/completions";

    @BeforeEach
    void reset() {
        FakeIssuerAndAdapter.server.resetRequests();
        adapterAnswers();
    }

    private static void adapterAnswers() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(ADAPTER_COMPLETIONS)).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"text\":\"return a + b\",\"finish_reason\":\"stop\",\"model\":\"codestral-22b\"}")));
    }

    private static void tokenServiceHandsOut(String token, int expiresIn) {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(TOKEN_PATH)).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn
                        + "}")));
    }

    private static Response complete() {
        return given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(List.of("complete_code")))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(CodeCompletionsAuthTest.BODY)
                .post("/v2/code/completions");
    }

    private static List<LoggedRequest> adapterCalls() {
        return FakeIssuerAndAdapter.server.findAll(postRequestedFor(urlEqualTo(ADAPTER_COMPLETIONS)));
    }

    @Test
    void theAdapterCallCarriesTheClientCredentialsToken() {
        tokenServiceHandsOut(FakeIssuerAndAdapter.ADAPTER_TOKEN, 30);

        complete().then().statusCode(200).body("choices[0].text", equalTo("return a + b"));

        assertThat(adapterCalls()).singleElement().satisfies(call ->
                assertThat(call.getHeader("Authorization")).isEqualTo("Bearer " + FakeIssuerAndAdapter.ADAPTER_TOKEN));
        List<LoggedRequest> grants = FakeIssuerAndAdapter.server.findAll(postRequestedFor(urlEqualTo(TOKEN_PATH)));
        assertThat(grants).singleElement().satisfies(grant -> {
            assertThat(grant.getHeader("Authorization")).isEqualTo("Basic " + Base64.getEncoder()
                    .encodeToString("ai-gateway:test-gateway-secret".getBytes(StandardCharsets.UTF_8)));
            assertThat(grant.getBodyAsString()).contains("grant_type=client_credentials")
                    .contains("audience=model-adapter");
        });
    }

    @Test
    void aTokenDueForRenewalIsReplacedWithANewGrant() {
        tokenServiceHandsOut("first.access.token", 30);
        complete().then().statusCode(200);
        tokenServiceHandsOut("second.access.token", 30);
        complete().then().statusCode(200);

        assertThat(adapterCalls()).extracting(call -> call.getHeader("Authorization"))
                .containsExactly("Bearer first.access.token", "Bearer second.access.token");
    }

    @Test
    void aTokenIsReusedUntilModelAdapterRefusesIt() {
        tokenServiceHandsOut("long.lived.token", 7200);
        complete().then().statusCode(200);
        complete().then().statusCode(200);
        assertThat(adapterCalls()).extracting(call -> call.getHeader("Authorization"))
                .containsExactly("Bearer long.lived.token", "Bearer long.lived.token");
        assertThat(FakeIssuerAndAdapter.server.findAll(postRequestedFor(urlEqualTo(TOKEN_PATH)))).hasSize(1);

        // revoked at token-service, say
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(ADAPTER_COMPLETIONS)).willReturn(aResponse()
                .withStatus(401).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_token\",\"message\":\"the bearer token has been revoked\"}")));
        complete().then().statusCode(503)
                .body("detail", equalTo("model-adapter refused this gateway: the bearer token has been revoked"));

        tokenServiceHandsOut("fresh.access.token", 30);
        adapterAnswers();
        FakeIssuerAndAdapter.server.resetRequests();
        complete().then().statusCode(200);
        assertThat(adapterCalls()).singleElement().satisfies(call ->
                assertThat(call.getHeader("Authorization")).isEqualTo("Bearer fresh.access.token"));
    }

    @Test
    void tokenServiceFailingIs503AndTheAdapterIsNotCalled() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(TOKEN_PATH)).willReturn(aResponse()
                .withStatus(503).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"temporarily_unavailable\"}")));

        complete().then().statusCode(503)
                .body("detail", equalTo("cannot obtain a token for model-adapter: {\"error\":\"temporarily_unavailable\"}"));
        assertThat(adapterCalls()).isEmpty();
    }

    @Test
    void anAnswerWithoutABodyIs503Too() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withStatus(502)));

        complete().then().statusCode(503)
                .body("detail", startsWith("cannot obtain a token for model-adapter: token-service's answer cannot "
                        + "be read"));
    }

    @Test
    void aBrokenConnectionIs503Too() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(TOKEN_PATH))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        complete().then().statusCode(503)
                .body("detail", startsWith("cannot obtain a token for model-adapter: "));
        assertThat(adapterCalls()).isEmpty();
    }

    @Test
    void theConnectionCheckFailsTheSameWay() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(TOKEN_PATH)).willReturn(aResponse().withStatus(503)
                .withBody("{\"error\":\"temporarily_unavailable\"}")));

        given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(List.of("complete_code")))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(Map.of("inputs", Map.of(), "model_metadata", Map.of("name", "mistral",
                        "endpoint", "http://10.0.0.7:8000/v1", "identifier", "custom_openai/m", "api_key", "k")))
                .post("/v1/prompts/model_configuration%2Fcheck")
                .then().statusCode(503)
                .body("detail", startsWith("cannot obtain a token for model-adapter: "));
    }
}
