package dev.enclave.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Golden files: for every model family and feature (code completion, code generation, chat), the
 * exact call ai-gateway sends model-adapter for one fixed request, or the exact error where the
 * family has no prompt for the feature. The files are {@code src/test/resources/golden/<family>/<feature>.txt}:
 * the path, the JSON body without its prompt (and without {@code timeout_ms}, which depends on the
 * clock), then the prompt as plain text ({@code === prompt}, or one {@code === <role>} per message).
 * <p>
 * A template change shows up here as a failure with the lines that differ. To accept it, regenerate
 * the files and review their diff: {@code ./mvnw -o test -pl ai-gateway -Dtest=PromptGoldenTest -Dgolden.update=true}.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class PromptGoldenTest {

    static final Path GOLDEN = Path.of("src/test/resources/golden");
    static final String REGENERATE = "./mvnw -o test -pl ai-gateway -Dtest=PromptGoldenTest -Dgolden.update=true";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    static final List<String> FAMILIES = List.of("codestral", "mistral", "mixtral", "llama3", "codellama", "codegemma",
            "deepseekcoder", "claude_3", "gpt", "gemini", "general");
    /** Every primitive the prompt may use, so that both kinds of context item appear. */
    private static final List<String> CODE_SCOPES = List.of("complete_code", "generate_code", "include_file_context",
            "include_snippet_context");

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String family : FAMILIES) {
            for (String feature : List.of("completions", "generations", "chat")) {
                cases.add(Arguments.of(family, feature));
            }
        }
        return cases.stream();
    }

    @BeforeEach
    void adapterAnswers() {
        FakeIssuerAndAdapter.server.stubFor(post(urlPathMatching("/adapter/v1/(chat/)?completions"))
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody("{\"text\":\"x\",\"finish_reason\":\"stop\",\"model\":\"golden\"}")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void theCallSentToModelAdapterIsTheGoldenOne(String family, String feature) throws Exception {
        String identifier = "golden-" + family + "-" + feature;
        String actual = feature.equals("chat") ? chat(family, identifier) : code(family, feature, identifier);
        compare(GOLDEN.resolve(family).resolve(feature + ".txt"), actual);
    }

    static Map<String, Object> codeRequest(String family, String identifier) {
        return Map.of(
                "project_path", "group/geometry",
                "current_file", Map.of("file_name", "src/calc.py",
                        "content_above_cursor", "import math\n\ndef area(r):\n    ",
                        "content_below_cursor", "\n\nprint(area(2))\n"),
                "model_provider", "litellm",
                "model_endpoint", "http://127.0.0.1:9/v1",
                "model_identifier", "custom_openai/" + identifier,
                "model_name", family,
                "user_instruction", "Return the area of a circle of radius r.",
                "context", List.of(
                        Map.of("type", "file", "name", "src/geometry.py", "content", "PI = 3.14159\n"),
                        Map.of("type", "snippet", "name", "circumference",
                                "content", "def circumference(r):\n    return 2 * PI * r")));
    }

    private String code(String family, String feature, String identifier) throws IOException {
        Response response = given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(CODE_SCOPES))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(codeRequest(family, identifier))
                .post("/v2/code/" + feature);
        if (response.statusCode() != 200) {
            return error(response.statusCode(), response.asString());
        }
        List<LoggedRequest> sent = FakeIssuerAndAdapter.server.findAll(postRequestedFor(
                urlPathMatching("/adapter/v1/(chat/)?completions"))
                .withRequestBody(matchingJsonPath("$.model.identifier",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo(identifier))));
        assertThat(sent).as("calls to model-adapter for " + identifier).hasSize(1);
        return describe(sent.get(0).getUrl().replaceFirst("^/adapter", ""), sent.get(0).getBodyAsString());
    }

    private String chat(String family, String identifier) throws Exception {
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script(identifier).delta("ok").done("stop");
        Map<String, Object> body = Map.of(
                "messages", List.of(
                        Map.of("role", "user", "content", "What is PI here?"),
                        Map.of("role", "assistant", "content", "3.14159, from src/geometry.py."),
                        Map.of("role", "user", "content", "What does the selected code do?",
                                "current_file", Map.of("file_path", "src/calc.py",
                                        "data", "def area(r):\n    return PI * r * r", "selected_code", true),
                                "additional_context", List.of(Map.of("category", "file", "id", "src/geometry.py",
                                        "content", "PI = 3.14159", "metadata", Map.of())))),
                "options", Map.of(),
                "model_metadata", Map.of("provider", "litellm", "name", family, "endpoint", "http://127.0.0.1:9/v1",
                        "api_key", "k", "identifier", "custom_openai/" + identifier));
        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"), JSON.writeValueAsString(body))) {
            if (response.status != 200) {
                return error(response.status, new String(response.readRest(), StandardCharsets.UTF_8));
            }
            response.readRest();
        }
        return describe("/v1/chat/completions", script.requestBody);
    }

    @org.junit.jupiter.api.Test
    void aDifferenceFailsWithTheLinesThatDifferAndHowToRegenerate(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("golden.txt");
        Files.writeString(file, "POST /v1/completions\n=== prompt\n[SUFFIX]b[PREFIX]a\n");
        check(file, "POST /v1/completions\n=== prompt\n[SUFFIX]b[PREFIX]a\n");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() ->
                check(file, "POST /v1/completions\n=== prompt\n<PRE> a <SUF>b <MID>\n")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("line 3:\n  -[SUFFIX]b[PREFIX]a\n  +<PRE> a <SUF>b <MID>")
                .hasMessageContaining("-Dgolden.update=true");
    }

    /** An error answer, its keys sorted (the gateway's maps have no fixed order). */
    static String error(int status, String body) throws IOException {
        return "HTTP " + status + "\n" + JSON.writeValueAsString(JSON.readValue(body, Object.class)) + "\n";
    }

    /** The call as the golden file holds it: path, the body without prompt and timeout, the prompt as text. */
    static String describe(String path, String requestBody) throws IOException {
        ObjectNode body = (ObjectNode) JSON.readTree(requestBody);
        body.remove("timeout_ms");
        JsonNode prompt = body.remove("prompt");
        JsonNode messages = body.remove("messages");
        StringBuilder out = new StringBuilder("POST ").append(path).append('\n')
                .append(JSON.writeValueAsString(body)).append('\n');
        if (prompt != null) {
            out.append("=== prompt\n").append(prompt.asText()).append('\n');
        }
        if (messages != null) {
            for (JsonNode message : messages) {
                out.append("=== ").append(message.path("role").asText()).append('\n')
                        .append(message.path("content").asText()).append('\n');
            }
        }
        return out.toString();
    }

    /** Fails with the lines that differ, or writes the file with {@code -Dgolden.update=true}. */
    static void compare(Path file, String actual) throws IOException {
        if (Boolean.getBoolean("golden.update")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual, StandardCharsets.UTF_8);
            return;
        }
        check(file, actual);
    }

    static void check(Path file, String actual) throws IOException {
        if (!Files.exists(file)) {
            fail("no golden file " + file + "; create it with " + REGENERATE + "\nactual:\n" + actual);
        }
        String expected = Files.readString(file, StandardCharsets.UTF_8);
        if (!expected.equals(actual)) {
            fail("the call differs from " + file + " (regenerate with " + REGENERATE + " and review the diff):\n"
                    + diff(expected, actual));
        }
    }

    /** A line diff, enough to read: each differing line as {@code -expected} / {@code +actual} with its number. */
    static String diff(String expected, String actual) {
        String[] want = expected.split("\n", -1);
        String[] got = actual.split("\n", -1);
        StringBuilder out = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < Math.max(want.length, got.length) && shown < 40; i++) {
            String w = i < want.length ? want[i] : null;
            String g = i < got.length ? got[i] : null;
            if (w == null || !w.equals(g)) {
                out.append(String.format("line %d:%n", i + 1));
                if (w != null) {
                    out.append("  -").append(visible(w)).append('\n');
                }
                if (g != null) {
                    out.append("  +").append(visible(g)).append('\n');
                }
                shown++;
            }
        }
        return out.toString();
    }

    private static String visible(String line) {
        return line.replace("\t", "\\t").replace("\r", "\\r") + (line.endsWith(" ") ? "⏎(trailing space)" : "");
    }
}
