package dev.enclave.gateway;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** {@code POST /v1/prompts/model_configuration%2Fcheck}: the instance's connection check. */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class PromptsResourceTest {

    private static final String CHECK = "/v1/prompts/model_configuration%2Fcheck";
    private static final String ADAPTER_CHAT = "/adapter/v1/chat/completions";
    private static final Map<String, Object> BODY = Map.of(
            "inputs", Map.of(),
            "prompt_version", "^1.0.0",
            "stream", false,
            "model_metadata", Map.of("provider", "openai", "name", "mistral", "endpoint", "http://10.0.0.7:8000/v1",
                    "api_key", "model-secret-key", "identifier", "custom_openai/Mistral-7B-Instruct"));

    @BeforeEach
    void reset() {
        FakeIssuerAndAdapter.server.resetRequests();
    }

    private static void adapterAnswers(int status, String body) {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(ADAPTER_CHAT)).willReturn(aResponse()
                .withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
    }

    private static RequestSpecification withToken(List<String> scopes) {
        // the prompt id arrives with its slash encoded, exactly as the instance sends it
        return given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(scopes))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID);
    }

    private static Response check(Map<String, Object> body) {
        return withToken(List.of("complete_code")).body(body).post(CHECK);
    }

    @Test
    void theCheckAsksTheModelBrieflyAndAnswersItsTextAsAJsonString() {
        adapterAnswers(200, "{\"text\":\"OK\",\"finish_reason\":\"stop\",\"model\":\"Mistral-7B-Instruct\"}");

        Response response = check(BODY);

        response.then().statusCode(200).contentType(ContentType.JSON);
        assertThat(response.asString()).isEqualTo("\"OK\"");
        List<LoggedRequest> sent = FakeIssuerAndAdapter.server.findAll(postRequestedFor(urlEqualTo(ADAPTER_CHAT)));
        assertThat(sent).hasSize(1);
        String adapterCall = sent.get(0).getBodyAsString();
        assertThat(adapterCall).contains("\"provider\":\"openai_compatible\"", "\"identifier\":\"Mistral-7B-Instruct\"",
                "\"endpoint\":\"http://10.0.0.7:8000/v1\"", "\"api_key\":\"model-secret-key\"", "\"max_tokens\":12",
                "\"temperature\":0.0", "Reply with OK.");
        // the check's 3 s less the 250 ms margin, less the little the gateway spent before the call
        int timeoutMs = Integer.parseInt(adapterCall.replaceAll(".*\"timeout_ms\":(\\d+).*", "$1"));
        assertThat(timeoutMs).isBetween(2000, 2750);
        assertThat(sent.get(0).getHeader("X-Enclave-Timeout-Ms")).isEqualTo(String.valueOf(timeoutMs));
    }

    @Test
    void theUnencodedSlashWorksToo() {
        adapterAnswers(200, "{\"text\":\"OK\",\"finish_reason\":\"stop\",\"model\":\"m\"}");

        withToken(List.of("complete_code")).body(BODY).post("/v1/prompts/model_configuration/check")
                .then().statusCode(200);
    }

    @Test
    void unknownPromptsAreNotFound() {
        withToken(List.of("complete_code")).body(BODY).post("/v1/prompts/chat%2Freact")
                .then().statusCode(404).body("detail", equalTo("Prompt 'chat/react' not found"));
    }

    @Test
    void aTokenIsRequired() {
        given().urlEncodingEnabled(false).contentType(ContentType.JSON).body(BODY).post(CHECK)
                .then().statusCode(401).body("error", equalTo("No authorization header presented"));
    }

    @Test
    void likeGitLabsTheCheckNeedsCompleteCode() {
        withToken(List.of("duo_chat")).body(BODY).post(CHECK)
                .then().statusCode(403).body("detail", equalTo("Unauthorized to access 'model_configuration/check'"));
        assertThat(FakeIssuerAndAdapter.server.findAll(postRequestedFor(urlEqualTo(ADAPTER_CHAT)))).isEmpty();
    }

    @Test
    void aModelServersRefusalIs421WithItsStatusAndReason() {
        adapterAnswers(502, "{\"error\":\"model_server_error\",\"message\":\"model server at "
                + "http://10.0.0.7:8000/v1/chat/completions answered 401: Unauthorized\",\"model_status\":401}");

        check(BODY).then().statusCode(421).body("detail",
                equalTo("401: model server at http://10.0.0.7:8000/v1/chat/completions answered 401: Unauthorized"));
    }

    @Test
    void anEgressRefusalIs403WithTheAdaptersMessage() {
        String refusal = "model endpoint host models.example.com resolves to 203.0.113.9, which is outside the "
                + "allowed networks (enclave.adapter.egress.allowed-cidrs)";
        adapterAnswers(403, "{\"error\":\"egress_denied\",\"message\":\"" + refusal + "\"}");

        check(BODY).then().statusCode(403).body("detail", equalTo(refusal));
    }

    @Test
    void aModelThatTimesOutIs421With504() {
        adapterAnswers(504, "{\"error\":\"model_server_timeout\",\"message\":\"model server at "
                + "http://10.0.0.7:8000/v1/chat/completions did not answer within 2.75 s\"}");

        check(BODY).then().statusCode(421).body("detail",
                equalTo("504: model server at http://10.0.0.7:8000/v1/chat/completions did not answer within 2.75 s"));
    }

    @Test
    void anUnreachableAdapterIs503() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(ADAPTER_CHAT))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        check(BODY).then().statusCode(503)
                // the cause (and model-adapter's address) goes to the log, not to the caller
                .body("detail", equalTo("model-adapter is unreachable"));
    }

    @Test
    void modelMetadataIsRequired() {
        check(Map.of("inputs", Map.of())).then().statusCode(422)
                .body("detail[0].loc", equalTo(List.of("body", "model_metadata")));
        check(Map.of("inputs", Map.of(), "model_metadata", Map.of("name", "mistral", "identifier", "custom_openai/m")))
                .then().statusCode(422).body("detail[0].loc", equalTo(List.of("body", "model_metadata.endpoint")));
    }

    @Test
    void bedrockModelsMayLeaveTheEndpointToTheAdapter() {
        adapterAnswers(200, "{\"text\":\"OK\",\"finish_reason\":\"stop\",\"model\":\"m\"}");

        check(Map.of("inputs", Map.of(), "model_metadata", Map.of("provider", "bedrock", "name", "claude_3",
                "endpoint", "", "api_key", "AKID:secret", "identifier", "bedrock/anthropic.claude-3-haiku-20240307-v1:0")))
                .then().statusCode(200);

        String adapterCall = FakeIssuerAndAdapter.server.findAll(postRequestedFor(urlEqualTo(ADAPTER_CHAT))).get(0)
                .getBodyAsString();
        assertThat(adapterCall).contains("\"provider\":\"bedrock\"", "\"endpoint\":null",
                "\"identifier\":\"anthropic.claude-3-haiku-20240307-v1:0\"");
    }

    @Test
    void theCodeEndpointsMapAnEgressRefusalTo403Too() {
        String refusal = "model endpoint host 8.8.8.8 resolves to 8.8.8.8, which is outside the allowed networks "
                + "(enclave.adapter.egress.allowed-cidrs)";
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo("/adapter/v1/completions")).willReturn(aResponse()
                .withStatus(403).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"egress_denied\",\"message\":\"" + refusal + "\"}")));

        withToken(List.of("complete_code")).body(CodeCompletionsAuthTest.BODY).post("/v2/code/completions")
                .then().statusCode(403).body("detail", equalTo(refusal));
    }
}
