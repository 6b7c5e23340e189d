package dev.enclave.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code POST /v1/prompts/{prompt_id}} for the prompt ids the instance uses for its features
 * besides the connection check: each needs its own unit primitive and its inputs.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class FeaturePromptsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void adapterAnswers() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo("/adapter/v1/chat/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"text\":\"It adds two numbers.\",\"finish_reason\":\"stop\",\"model\":\"m\"}")));
    }

    private static RequestSpecification withToken(List<String> scopes) {
        return given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(scopes))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID);
    }

    private static Map<String, Object> body(String identifier, Map<String, Object> inputs) {
        return Map.of("inputs", inputs, "prompt_version", "^1.0.0", "model_metadata", Map.of("provider", "litellm",
                "name", "mistral", "endpoint", "http://127.0.0.1:9/v1", "identifier", "custom_openai/" + identifier));
    }

    @Test
    void explainCodeRendersItsInputsAndAnswersTheModelsTextAsAJsonString() throws Exception {
        String identifier = "explain-" + UUID.randomUUID();
        withToken(List.of("explain_code")).body(body(identifier, Map.of("selected_text", "def add(a, b): return a + b",
                        "input", "Explain this code", "language_info", "The code is written in Python.")))
                .post("/v1/prompts/chat%2Fexplain_code")
                .then().statusCode(200).body(equalTo("\"It adds two numbers.\""));
        List<LoggedRequest> sent = FakeIssuerAndAdapter.server.findAll(postRequestedFor(
                urlEqualTo("/adapter/v1/chat/completions")).withRequestBody(matchingJsonPath("$.model.identifier",
                com.github.tomakehurst.wiremock.client.WireMock.equalTo(identifier))));
        assertThat(sent).hasSize(1);
        JsonNode call = JSON.readTree(sent.get(0).getBodyAsString());
        assertThat(call.at("/messages/0/content").asText()).isEqualTo("""
                You are a software developer.
                You can explain code snippets.
                The code is written in Python.""");
        assertThat(call.at("/messages/1/content").asText()).isEqualTo("""
                Here is the code user selected:
                <selected_code>
                  def add(a, b): return a + b
                </selected_code>

                Explain this code
                Any code blocks in response should be formatted in markdown.""");
        assertThat(call.path("max_tokens").asInt()).isEqualTo(2048);
    }

    @Test
    void aMissingInputIs422NamingIt() {
        withToken(List.of("write_tests")).body(body("write-tests", Map.of("input", "Write tests")))
                .post("/v1/prompts/chat%2Fwrite_tests")
                .then().statusCode(422)
                .body("detail", equalTo("Input to the prompt 'chat/write_tests' is missing variables {'selected_text'}"));
        withToken(List.of("generate_commit_message")).body(body("commit", Map.of()))
                .post("/v1/prompts/generate_commit_message")
                .then().statusCode(422)
                .body("detail", equalTo("Input to the prompt 'generate_commit_message' is missing variables {'diff'}"));
    }

    @Test
    void eachPromptNeedsItsOwnUnitPrimitive() {
        withToken(List.of("complete_code", "explain_code")).body(body("fix", Map.of("selected_text", "x",
                        "input", "fix it")))
                .post("/v1/prompts/chat%2Ffix_code")
                .then().statusCode(403).body("detail", equalTo("Unauthorized to access 'chat/fix_code'"));
        withToken(List.of("troubleshoot_job")).body(body("unknown", Map.of()))
                .post("/v1/prompts/chat%2Fnot_a_prompt")
                .then().statusCode(404).body("detail", equalTo("Prompt 'chat/not_a_prompt' not found"));
    }
}
