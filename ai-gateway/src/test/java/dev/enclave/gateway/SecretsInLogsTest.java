package dev.enclave.gateway;

import dev.enclave.support.testing.LogCapture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, finding 15: what the gateway logs holds no token, no claim and no credentials of a
 * model endpoint URL, even with quarkus-oidc's category at DEBUG. Every line is captured; each
 * test first checks that the lines it expects were captured at all.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
@TestProfile(SecretsInLogsTest.OidcAtDebug.class)
class SecretsInLogsTest {

    public static class OidcAtDebug implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.log.category.\"io.quarkus.oidc\".level", "DEBUG",
                    "quarkus.log.category.\"dev.enclave\".level", "DEBUG");
        }
    }

    static final String CANARY = "claim-canary-7f3e";
    static final String PASSWORD = "s3cret-pass-91b";

    private LogCapture capture;

    @BeforeEach
    void captureEveryLine() {
        capture = LogCapture.everything();
    }

    @AfterEach
    void stopCapturing() {
        capture.close();
    }

    private static RequestSpecification as(String token) {
        return given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + token)
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID);
    }

    @Test
    void refusedTokensLeaveNeitherTheTokenNorItsClaimsInTheLog() {
        String expired = TestTokens.valid(List.of("complete_code"), c -> {
            c.setStringClaim("canary", CANARY);
            c.setExpirationTimeMinutesInTheFuture(-10);
        });
        String wrongAudience = TestTokens.valid(List.of("complete_code"), c -> {
            c.setStringClaim("canary", CANARY);
            c.setAudience("someone-else");
        });
        for (String token : List.of(expired, wrongAudience)) {
            as(token).body(CodeCompletionsAuthTest.BODY).post("/v2/code/completions").then().statusCode(401);
        }
        // positive control: the requests were logged at all (the request id filter's and the security layer's lines)
        as(TestTokens.valid(List.of("complete_code"))).body(Map.of("current_file", Map.of("file_name", "a.py"),
                "model_endpoint", "http://127.0.0.1:9/v1", "model_identifier", "custom_openai/m",
                "model_name", "codestral", "model_api_key", "k")).post("/v2/code/completions");
        assertThat(capture.lines()).as("captured lines").isNotEmpty();
        assertThat(capture.text()).doesNotContain(CANARY).doesNotContain(expired.substring(0, 40))
                .doesNotContain(wrongAudience.substring(0, 40));
    }

    @Test
    void modelEndpointCredentialsAreNeitherLoggedNorEchoed() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo("/adapter/v1/completions")).willReturn(aResponse()
                .withStatus(502).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"model_server_error\",\"message\":\"model server at http://10.0.0.7:8000/v1"
                        + "/completions answered 500: Internal Server Error\",\"model_status\":500}")));
        Map<String, Object> body = Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x"),
                "model_provider", "litellm", "model_endpoint", "http://alice:" + PASSWORD + "@10.0.0.7:8000/v1",
                "model_identifier", "custom_openai/m", "model_name", "codestral");
        as(TestTokens.valid(List.of("complete_code"))).body(body).post("/v2/code/completions").then().statusCode(421);
        // a malformed URL with credentials: the 422 names the field, not the password
        String invalid = as(TestTokens.valid(List.of("complete_code")))
                .body(Map.of("current_file", Map.of("file_name", "a.py"), "model_endpoint",
                        "http://alice:" + PASSWORD + "@bad host/v1", "model_identifier", "custom_openai/m",
                        "model_name", "codestral"))
                .post("/v2/code/completions").then().statusCode(422).extract().asString();
        assertThat(invalid).contains("model_endpoint").doesNotContain(PASSWORD);
        // positive control: the failed model call was logged, with its endpoint
        assertThat(capture.lines()).anyMatch(line -> line.contains("Model call for ModelTarget[") && line.contains("10.0.0.7"));
        assertThat(capture.text()).doesNotContain(PASSWORD);
    }
}
