package dev.enclave.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/**
 * What a client sends in a code suggestion request is used: {@code context[]} items within the
 * token's unit primitives, {@code prompt_version} 2 and 3, {@code prompt_id} and
 * {@code choices_count}; and the limits answer 422 in FastAPI's shape.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class CodeSuggestionInputsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Object> FILE_ITEM = Map.of("type", "file", "name", "lib/util.py",
            "content", "def helper():\n    return 42\n");
    private static final Map<String, Object> SNIPPET_ITEM = Map.of("type", "snippet", "name", "greet",
            "content", "def greet(name):\n    return 'hi ' + name");

    @BeforeEach
    void adapterAnswers() {
        FakeIssuerAndAdapter.server.stubFor(post(urlPathMatching("/adapter/v1/(chat/)?completions"))
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody("{\"text\":\"return 1\",\"finish_reason\":\"stop\",\"model\":\"m\"}")));
    }

    private static Map<String, Object> request(String identifier, String family, Map<String, Object> extra) {
        Map<String, Object> body = new HashMap<>(Map.of(
                "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def f():\n    ",
                        "content_below_cursor", ""),
                "model_provider", "litellm",
                "model_endpoint", "http://127.0.0.1:9/v1",
                "model_identifier", "custom_openai/" + identifier,
                "model_name", family));
        body.putAll(extra);
        return body;
    }

    private static ValidatableResponse send(String path, List<String> scopes, Map<String, Object> body) {
        return given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(scopes))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(body).post(path).then();
    }

    private static List<JsonNode> sent(String identifier) throws Exception {
        List<JsonNode> bodies = new ArrayList<>();
        for (LoggedRequest request : FakeIssuerAndAdapter.server.findAll(postRequestedFor(
                urlPathMatching("/adapter/v1/(chat/)?completions")).withRequestBody(matchingJsonPath(
                "$.model.identifier", com.github.tomakehurst.wiremock.client.WireMock.equalTo(identifier))))) {
            bodies.add(JSON.readTree(request.getBodyAsString()));
        }
        return bodies;
    }

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID();
    }

    @Test
    void fileContextReachesThePromptOnlyWithIncludeFileContext() throws Exception {
        String with = unique("ctx-file");
        send("/v2/code/completions", List.of("complete_code", "include_file_context"),
                request(with, "codestral", Map.of("context", List.of(FILE_ITEM, SNIPPET_ITEM)))).statusCode(200);
        String prompt = sent(with).get(0).path("prompt").asText();
        assertThat(prompt).contains("#lib/util.py\ndef helper():\n    return 42\n")
                // no include_snippet_context: the snippet is dropped, without an error
                .doesNotContain("greet");

        String without = unique("ctx-none");
        send("/v2/code/completions", List.of("complete_code"),
                request(without, "codestral", Map.of("context", List.of(FILE_ITEM, SNIPPET_ITEM)))).statusCode(200);
        assertThat(sent(without).get(0).path("prompt").asText()).isEqualTo("[SUFFIX][PREFIX]def f():\n    ");
    }

    @Test
    void snippetContextNeedsIncludeSnippetContextAndUnknownTypesAreDropped() throws Exception {
        String id = unique("ctx-snippet");
        send("/v2/code/generations", List.of("generate_code", "include_snippet_context"),
                request(id, "gpt", Map.of("context", List.of(FILE_ITEM, SNIPPET_ITEM,
                        Map.of("type", "repository", "name", "x", "content", "secret-ish"))))).statusCode(200);
        String user = sent(id).get(0).at("/messages/1/content").asText();
        assertThat(user).contains("<snippet name=\"greet\">\ndef greet(name):\n    return 'hi ' + name\n</snippet>")
                .doesNotContain("lib/util.py").doesNotContain("secret-ish");
    }

    @Test
    void promptVersion2IsTheInstancesPromptAsItIsWithTheFamilysStopSequences() throws Exception {
        String id = unique("v2");
        send("/v2/code/completions", List.of("complete_code"), request(id, "codellama",
                Map.of("prompt_version", 2, "prompt", "<PRE> rendered by the instance <SUF> <MID>"))).statusCode(200);
        JsonNode call = sent(id).get(0);
        assertThat(call.path("prompt").asText()).isEqualTo("<PRE> rendered by the instance <SUF> <MID>");
        assertThat(call.has("messages")).isFalse();
        assertThat(call.path("stop").toString()).isEqualTo("[\"<PRE>\",\"<SUF>\",\"<MID>\",\"<EOT>\"]");
    }

    @Test
    void promptVersion3IsTheInstancesMessages() throws Exception {
        String id = unique("v3");
        send("/v2/code/generations", List.of("generate_code"), request(id, "claude_3", Map.of("prompt_version", 3,
                "prompt", List.of(Map.of("role", "system", "content", "Write Python."),
                        Map.of("role", "user", "content", "A fibonacci function."))))).statusCode(200);
        JsonNode call = sent(id).get(0);
        assertThat(call.path("messages").toString()).isEqualTo("[{\"role\":\"system\",\"content\":\"Write Python.\"},"
                + "{\"role\":\"user\",\"content\":\"A fibonacci function.\"}]");

        send("/v2/code/generations", List.of("generate_code"), request(unique("v3-bad"), "claude_3",
                Map.of("prompt_version", 3, "prompt", List.of(Map.of("role", "tool", "content", "x")))))
                .statusCode(422).body("detail[0].loc", equalTo(List.of("body", "prompt", 0, "role")))
                .body("detail[0].type", equalTo("enum"));
        send("/v2/code/completions", List.of("complete_code"), request(unique("v9"), "codestral",
                Map.of("prompt_version", 9)))
                .statusCode(422).body("detail[0].type", equalTo("literal_error"))
                .body("detail[0].loc", equalTo(List.of("body", "prompt_version"))).body("detail[0].input", equalTo(9));
    }

    @Test
    void promptIdSelectsTheTemplate() throws Exception {
        String id = unique("prompt-id");
        // a completion request asking for the generations prompt gets codestral's chat-style generation template
        send("/v2/code/completions", List.of("complete_code"), request(id, "codestral",
                Map.of("prompt_id", "code_suggestions/generations"))).statusCode(200);
        JsonNode call = sent(id).get(0);
        assertThat(call.has("prompt")).isFalse();
        assertThat(call.at("/messages/0/content").asText()).startsWith("You are a tremendously accurate");
        assertThat(call.path("max_tokens").asInt()).isEqualTo(512);

        send("/v2/code/completions", List.of("complete_code"), request(unique("bad-id"), "codestral",
                Map.of("prompt_id", "chat/explain_code")))
                .statusCode(422).body("detail[0].loc", equalTo(List.of("body", "prompt_id")))
                .body("detail[0].input", equalTo("chat/explain_code"));
    }

    @Test
    void choicesCountMakesThatManyModelCallsAndIsCapped() throws Exception {
        String id = unique("choices");
        send("/v2/code/completions", List.of("complete_code"), request(id, "codestral", Map.of("choices_count", 3)))
                .statusCode(200).body("choices", hasSize(3))
                .body("choices[2].index", equalTo(2)).body("choices[2].text", equalTo("return 1"));
        assertThat(sent(id)).hasSize(3);

        String capped = unique("choices-5");
        send("/v2/code/completions", List.of("complete_code"), request(capped, "codestral", Map.of("choices_count", 5)))
                .statusCode(422)
                .body("detail[0].type", equalTo("less_than_equal"))
                .body("detail[0].loc", equalTo(List.of("body", "choices_count")))
                .body("detail[0].msg", equalTo("Input should be less than or equal to 4"))
                .body("detail[0].input", equalTo(5));
        assertThat(sent(capped)).isEmpty();
    }

    @Test
    void limitsAnswer422InFastApisShape() {
        String longName = "m".repeat(51);
        send("/v2/code/completions", List.of("complete_code"), request(unique("long"), longName, Map.of()))
                .statusCode(422)
                .body("detail[0].type", equalTo("string_too_long"))
                .body("detail[0].loc", equalTo(List.of("body", "model_name")))
                .body("detail[0].msg", equalTo("String should have at most 50 characters"))
                .body("detail[0].input", equalTo(longName));

        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            items.add(FILE_ITEM);
        }
        send("/v2/code/completions", List.of("complete_code"), request(unique("many"), "codestral",
                Map.of("context", items)))
                .statusCode(422)
                .body("detail[0].type", equalTo("too_long"))
                .body("detail[0].loc", equalTo(List.of("body", "context")));

        send("/v2/code/completions", List.of("complete_code"), request(unique("big"), "codestral",
                Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x".repeat(100_001)))))
                .statusCode(422)
                .body("detail[0].type", equalTo("string_too_long"))
                .body("detail[0].loc", equalTo(List.of("body", "current_file", "content_above_cursor")));
    }
}
