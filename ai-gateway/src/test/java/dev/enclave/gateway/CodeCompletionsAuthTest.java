package dev.enclave.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/** Every way a token can be wrong, each with the status and body GitLab's AI gateway gives. */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class CodeCompletionsAuthTest {

    static final Map<String, Object> BODY = Map.of(
            "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    "),
            "model_provider", "litellm",
            "model_endpoint", "http://127.0.0.1:9/v1",
            "model_identifier", "custom_openai/codestral-22b",
            "model_name", "codestral");

    @BeforeEach
    void adapterAnswers() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo("/adapter/v1/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                // model-adapter's answer: the example of the contract model-adapter's build verifies it against
                .withBody(dev.enclave.contracts.ContractVerifier.exampleResponseBody(dev.enclave.contracts.Contracts.get(
                        "ai-gateway", "model-adapter", "a completion from the model")))));
    }

    private static RequestSpecification withToken(String token) {
        return given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + token)
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(BODY);
    }

    @Test
    void validTokenWithScopeGetsACompletion() {
        // an instance asks for JSON explicitly, and gets its request id back
        withToken(TestTokens.valid(List.of("complete_code"))).accept(ContentType.JSON)
                .header("X-Request-ID", "req-json-1").post("/v2/code/completions")
                .then().statusCode(200).contentType(ContentType.JSON)
                .header("X-Request-ID", "req-json-1")
                .body("object", equalTo("text_completion"))
                .body("choices[0].text", equalTo("return a + b"));
    }

    @Test
    void noTokenAtAll() {
        given().contentType(ContentType.JSON).header("X-Gitlab-Authentication-Type", "oidc").body(BODY)
                .post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("No authorization header presented"));
    }

    @Test
    void notABearerHeader() {
        given().contentType(ContentType.JSON).header("Authorization", "Basic Zm9vOmJhcg==")
                .header("X-Gitlab-Authentication-Type", "oidc").body(BODY)
                .post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Invalid authorization header"));
    }

    @Test
    void authenticationTypeMustBeOidc() {
        given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(List.of("complete_code")))
                .header("X-Gitlab-Authentication-Type", "saml").body(BODY)
                .post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Invalid authentication token type - only OIDC is supported"));
    }

    @Test
    void malformedToken() {
        withToken("not.a.jwt").post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Forbidden by auth provider"));
    }

    @Test
    void expiredToken() {
        String token = TestTokens.valid(List.of("complete_code"), c -> {
            c.setIssuedAt(NumericDate.fromSeconds(NumericDate.now().getValue() - 7200));
            c.setNotBefore(NumericDate.fromSeconds(NumericDate.now().getValue() - 7205));
            c.setExpirationTime(NumericDate.fromSeconds(NumericDate.now().getValue() - 3600));
        });
        withToken(token).post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Forbidden by auth provider"));
    }

    @Test
    void wrongAudience() {
        String token = TestTokens.valid(List.of("complete_code"), c -> c.setAudience("some-other-service"));
        withToken(token).post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Forbidden by auth provider"));
    }

    @Test
    void wrongIssuer() {
        String token = TestTokens.valid(List.of("complete_code"), c -> c.setIssuer("https://evil.example"));
        withToken(token).post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Forbidden by auth provider"));
    }

    @Test
    void signedByAnUnknownKey() {
        String token = TestTokens.sign(TestTokens.UNKNOWN, TestTokens.claims(List.of("complete_code")));
        withToken(token).post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Forbidden by auth provider"));
    }

    @Test
    void algNoneIsRefused() {
        withToken(TestTokens.unsigned(List.of("complete_code"))).post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Forbidden by auth provider"));
    }

    @Test
    void hs256SignedWithThePublicKeyIsRefused() {
        withToken(TestTokens.hmacWithPublicKey(List.of("complete_code"))).post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Forbidden by auth provider"));
    }

    @Test
    void tamperedPayloadIsRefused() {
        String[] parts = TestTokens.valid(List.of("complete_code")).split("\\.");
        String forged = TestTokens.valid(List.of("complete_code", "generate_code", "duo_chat")).split("\\.")[1];
        withToken(parts[0] + "." + forged + "." + parts[2]).post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Forbidden by auth provider"));
    }

    @Test
    void instanceIdHeaderMustMatchTheToken() {
        given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(List.of("complete_code")))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", "00000000-0000-0000-0000-000000000000")
                .body(BODY).post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Header mismatch 'X-Gitlab-Instance-Id'"));
    }

    @Test
    void realmHeaderMustMatchTheToken() {
        given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(List.of("complete_code")))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "saas")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(BODY).post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Header mismatch 'X-Gitlab-Realm'"));
    }

    @Test
    void userBoundTokenMustComeWithItsUsersHeader() {
        String token = TestTokens.valid(List.of("complete_code"), c -> c.setStringClaim("gitlab_global_user_id", "u-1"));
        withToken(token).header("X-Gitlab-Global-User-Id", "u-2").post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Header mismatch 'X-Gitlab-Global-User-Id'"));
        // the headers match, so the token is accepted; a user's token cannot name the model (UserTokenModelChoiceTest)
        withToken(token).header("X-Gitlab-Global-User-Id", "u-1").post("/v2/code/completions")
                .then().statusCode(403).body("detail", startsWith("A direct-access (user) token cannot choose"));
    }

    @Test
    void missingScopeIsForbidden() {
        withToken(TestTokens.valid(List.of("duo_chat"))).post("/v2/code/completions")
                .then().statusCode(403).body("detail", equalTo("Unauthorized to access code completions"));
    }

    @Test
    void generationsNeedTheirOwnScope() {
        withToken(TestTokens.valid(List.of("complete_code"))).post("/v2/code/generations")
                .then().statusCode(403).body("detail", equalTo("Unauthorized to access code generations"));
    }

    @Test
    void monitoringNeedsNoToken() {
        given().get("/monitoring/healthz").then().statusCode(200);
    }
}
