package dev.enclave.adapter;

import dev.enclave.support.testing.LogCapture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, finding 15: what model-adapter logs and answers holds no token, no claim and no
 * credentials of a model endpoint URL, even with quarkus-oidc's category at DEBUG. Every line is
 * captured; each test first checks that the lines it expects were captured at all.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
@TestProfile(SecretsInLogsTest.OidcAtDebug.class)
class SecretsInLogsTest {

    public static class OidcAtDebug implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.log.category.\"io.quarkus.oidc\".level", "DEBUG",
                    "quarkus.log.category.\"dev.enclave\".level", "DEBUG");
        }
    }

    static final String CANARY = "claim-canary-5d21";
    static final String PASSWORD = "s3cret-pass-c04";

    private LogCapture capture;

    @BeforeEach
    void captureEveryLine() {
        capture = LogCapture.everything();
    }

    @AfterEach
    void stopCapturing() {
        capture.close();
    }

    private static Map<String, Object> call(String endpoint) {
        return Map.of("model", Map.of("provider", "openai_compatible", "endpoint", endpoint, "identifier", "m"),
                "prompt", "x");
    }

    @Test
    void refusedTokensLeaveNeitherTheTokenNorItsClaimsInTheLog() {
        String expired = TestTokens.valid(c -> {
            c.setStringClaim("canary", CANARY);
            c.setExpirationTimeMinutesInTheFuture(-10);
        });
        String wrongAudience = TestTokens.valid(c -> {
            c.setStringClaim("canary", CANARY);
            c.setAudience("someone-else");
        });
        for (String token : List.of(expired, wrongAudience)) {
            given().contentType(ContentType.JSON).header("Authorization", "Bearer " + token)
                    .body(call("http://127.0.0.1:9/v1")).post("/v1/completions").then().statusCode(401);
        }
        // positive control: the refusals were logged (AccessTokens' DEBUG line names the check)
        assertThat(capture.lines()).anyMatch(line -> line.contains("Access token refused: the bearer token has expired"));
        assertThat(capture.text()).doesNotContain(CANARY).doesNotContain(expired.substring(0, 40))
                .doesNotContain(wrongAudience.substring(0, 40));
    }

    @Test
    void modelEndpointCredentialsAreNeitherLoggedNorEchoed() {
        for (String endpoint : List.of("http://alice:" + PASSWORD + "@127.0.0.1:9/v1",
                "http://alice:" + PASSWORD + "@bad host/v1", "ftp://alice:" + PASSWORD + "@127.0.0.1/v1")) {
            String answer = GatewayCaller.given().contentType(ContentType.JSON).body(call(endpoint))
                    .post("/v1/completions").then().statusCode(422).extract().asString();
            assertThat(answer).contains("model endpoint").doesNotContain(PASSWORD);
        }
        // positive control: a model call that fails is logged, with its endpoint
        GatewayCaller.given().contentType(ContentType.JSON)
                .body(Map.of("model", GenerateResourceTest.model("wrong-key"), "prompt", "x"))
                .post("/v1/completions").then().statusCode(502);
        assertThat(capture.lines()).anyMatch(line -> line.contains("Model server http://127.0.0.1:") && line.contains("answered 401"));
        assertThat(capture.text()).doesNotContain(PASSWORD);
    }
}
