package dev.enclave.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.simulator.ModelSimulator;
import dev.enclave.simulator.Personality;
import dev.enclave.simulator.RecordedRequest;
import dev.enclave.simulator.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static dev.enclave.adapter.GatewayCaller.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/**
 * {@code vertex_ai} against the simulator's Vertex AI personality: its token endpoint checks the
 * service account's signed JWT assertion with the account's public key, and its Gemini routes take
 * only the bearer tokens it issued.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class VertexAiProviderTest {

    private static final String MODEL = "gemini-1.5-pro-002";
    private static final String CLAUDE = "claude-3-5-sonnet-v2@20241022";
    private static final String PROJECT = "enclave-vertex-test";
    private static final String LOCATION = "us-central1";
    private static final ServiceAccountKeys ACCOUNT =
            ServiceAccountKeys.generate("enclave-adapter@" + PROJECT + ".iam.gserviceaccount.com", PROJECT);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The adapter's default token-refresh-margin, in seconds. */
    private static final long REFRESH_MARGIN_S = 300;

    private static ModelSimulator vertex;

    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
            logLines.add(record.getLoggerName() + " " + message + (record.getThrown() == null ? "" : " " + record.getThrown()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() {
        vertex = ModelSimulator.start(SimulatorConfig.builder().host("127.0.0.1").port(0)
                .personality(Personality.VERTEX_AI).apiKey(ACCOUNT.keyFile("https://oauth2.googleapis.com/token", "0"))
                .models(List.of(MODEL, CLAUDE)).build());
    }

    @AfterAll
    static void stop() {
        vertex.close();
    }

    @BeforeEach
    void reset() {
        vertex.faults().clear();
        vertex.clearRecorded();
        vertex.setLatencyMs(0);
        vertex.setTokenLifetimeSeconds(3599);
        ScriptedHostResolver.clear();
        capture.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        Logger.getLogger("").removeHandler(capture);
    }

    private static String endpoint() {
        return vertex.baseUrl() + "/v1/projects/" + PROJECT + "/locations/" + LOCATION;
    }

    /** A key file of its own for each test: the adapter caches a token per key file. */
    private static String freshKey() {
        return ACCOUNT.keyFile(vertex.baseUrl() + "/token", UUID.randomUUID().toString());
    }

    private static Map<String, Object> model(String endpoint, String identifier, String apiKey) {
        return Map.of("provider", "vertex_ai", "endpoint", endpoint, "identifier", identifier, "api_key", apiKey);
    }

    private static Map<String, Object> chat(String apiKey) {
        return Map.of("model", model(endpoint(), MODEL, apiKey), "messages", List.of(
                Map.of("role", "system", "content", "Be brief."), Map.of("role", "user", "content", "Say hi"),
                Map.of("role", "assistant", "content", "hi"), Map.of("role", "user", "content", "again")),
                "max_tokens", 40, "temperature", 0.3, "stop", List.of("\n\n", "<|end|>"));
    }

    private static Response call(String path, Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post(path);
    }

    private static List<RecordedRequest> tokenRequests() {
        return vertex.recordedRequests().stream().filter(r -> r.path().equals("/token")).toList();
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return form;
    }

    private static JsonNode jwtPart(String jwt, int index) throws Exception {
        return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[index]));
    }

    @Test
    void aChatIsSentAsGeminiContentsWithABearerTokenBoughtWithASignedAssertion() throws Exception {
        String key = freshKey();
        call("/v1/chat/completions", chat(key)).then().statusCode(200)
                .body("text", not(equalTo("")))
                .body("model", equalTo(MODEL))
                .body("finish_reason", org.hamcrest.Matchers.oneOf("stop", "length"))
                .body("usage.prompt_tokens", equalTo(11));

        List<RecordedRequest> sent = vertex.recordedRequests();
        assertThat(sent).extracting(RecordedRequest::path).containsExactly("/token",
                "/v1/projects/" + PROJECT + "/locations/" + LOCATION + "/publishers/google/models/" + MODEL
                        + ":generateContent");
        RecordedRequest exchange = sent.get(0);
        assertThat(exchange.header("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
        Map<String, String> form = form(exchange.body());
        assertThat(form.get("grant_type")).isEqualTo("urn:ietf:params:oauth:grant-type:jwt-bearer");
        JsonNode header = jwtPart(form.get("assertion"), 0);
        JsonNode claims = jwtPart(form.get("assertion"), 1);
        assertThat(header.get("alg").asText()).isEqualTo("RS256");
        assertThat(header.get("kid").asText()).isEqualTo("5f1e0c1d2b3a49586776a5b4c3d2e1f0a9b8c7d6");
        assertThat(claims.get("iss").asText()).isEqualTo(ACCOUNT.email());
        assertThat(claims.get("aud").asText()).isEqualTo(vertex.baseUrl() + "/token");
        assertThat(claims.get("scope").asText()).isEqualTo("https://www.googleapis.com/auth/cloud-platform");
        assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isBetween(1L, 3600L);

        RecordedRequest generate = sent.get(1);
        assertThat(generate.header("Authorization")).startsWith("Bearer ya29.sim-");
        JsonNode body = generate.json();
        assertThat(body.at("/systemInstruction/parts/0/text").asText()).isEqualTo("Be brief.");
        assertThat(body.at("/contents/0/role").asText()).isEqualTo("user");
        assertThat(body.at("/contents/0/parts/0/text").asText()).isEqualTo("Say hi");
        assertThat(body.at("/contents/1/role").asText()).isEqualTo("model");
        assertThat(body.at("/contents/2/parts/0/text").asText()).isEqualTo("again");
        assertThat(body.at("/generationConfig/maxOutputTokens").asInt()).isEqualTo(40);
        assertThat(body.at("/generationConfig/temperature").asDouble()).isEqualTo(0.3);
        assertThat(body.at("/generationConfig/stopSequences").toString()).isEqualTo("[\"\\n\\n\",\"<|end|>\"]");
        assertThat(body.has("model")).isFalse();
    }

    @Test
    void aRawPromptIsOneUserContentAndTheTokenLimitIsLength() {
        call("/v1/completions", Map.of("model", model(endpoint(), MODEL, freshKey()), "prompt", "def add(a, b):",
                "max_tokens", 1))
                .then().statusCode(200)
                .body("finish_reason", equalTo("length"))
                .body("usage.completion_tokens", equalTo(1));
        RecordedRequest generate = vertex.recordedRequests().get(1);
        assertThat(generate.json().at("/contents").size()).isEqualTo(1);
        assertThat(generate.json().at("/contents/0/parts/0/text").asText()).isEqualTo("def add(a, b):");
        assertThat(generate.json().has("systemInstruction")).isFalse();
    }

    @Test
    void aStreamedCallReadsTheSseChunksIntoDeltasAndDone() throws Exception {
        String key = freshKey();
        String whole = call("/v1/chat/completions", chat(key)).then().statusCode(200).extract().path("text");
        Map<String, Object> streamed = new HashMap<>(chat(key));
        streamed.put("stream", true);

        Response response = call("/v1/chat/completions", streamed);

        response.then().statusCode(200).contentType("application/x-ndjson");
        List<JsonNode> events = new ArrayList<>();
        for (String line : response.asString().split("\n")) {
            events.add(JSON.readTree(line));
        }
        StringBuilder text = new StringBuilder();
        events.subList(0, events.size() - 1).forEach(event -> {
            assertThat(event.get("type").asText()).isEqualTo("delta");
            text.append(event.get("text").asText());
        });
        assertThat(text.toString()).isEqualTo(whole);
        JsonNode done = events.get(events.size() - 1);
        assertThat(done.get("type").asText()).isEqualTo("done");
        assertThat(done.get("finish_reason").asText()).isIn("stop", "length");
        assertThat(done.at("/usage/prompt_tokens").asInt()).isEqualTo(11);
        assertThat(done.at("/usage/completion_tokens").asInt()).isPositive();
        assertThat(vertex.recordedRequests().get(vertex.recordedRequests().size() - 1).path())
                .endsWith(":streamGenerateContent");
        assertThat(vertex.recordedRequests().get(vertex.recordedRequests().size() - 1).query()).isEqualTo("alt=sse");
        assertThat(tokenRequests()).as("the stream used the cached token").hasSize(1);
    }

    @Test
    void theTokenIsCachedAcrossCallsAndExchangedAnewShortlyBeforeItExpires() throws Exception {
        String key = freshKey();
        // the adapter refreshes REFRESH_MARGIN_S before expiry: this token is due for refresh after one second
        vertex.setTokenLifetimeSeconds(REFRESH_MARGIN_S + 1);
        for (int i = 0; i < 3; i++) {
            call("/v1/chat/completions", chat(key)).then().statusCode(200);
        }
        assertThat(tokenRequests()).hasSize(1);
        List<String> bearers = vertex.recordedRequests().stream().filter(r -> !r.path().equals("/token"))
                .map(r -> r.header("Authorization")).distinct().toList();
        assertThat(bearers).hasSize(1);

        Thread.sleep(1_200);
        call("/v1/chat/completions", chat(key)).then().statusCode(200);

        assertThat(tokenRequests()).hasSize(2);
        List<RecordedRequest> sent = vertex.recordedRequests();
        assertThat(sent.get(sent.size() - 1).header("Authorization")).isNotEqualTo(bearers.get(0));
    }

    @Test
    void aTokenTheModelServerRefusesWith401IsDroppedAndTheNextCallExchangesAnew() {
        String key = freshKey();
        call("/v1/chat/completions", chat(key)).then().statusCode(200);
        vertex.revokeTokens();

        call("/v1/chat/completions", chat(key)).then().statusCode(502).body("model_status", equalTo(401))
                .body("message", containsString("UNAUTHENTICATED: Request had invalid authentication credentials."));
        call("/v1/chat/completions", chat(key)).then().statusCode(200);

        assertThat(tokenRequests()).hasSize(2);
    }

    @Test
    void concurrentCallsShareOneExchange() throws Exception {
        String key = freshKey();
        vertex.setLatencyMs(300);
        ExecutorService callers = Executors.newFixedThreadPool(6);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                statuses.add(callers.submit(() -> call("/v1/chat/completions", chat(key)).statusCode()));
            }
            for (Future<Integer> status : statuses) {
                assertThat(status.get()).isEqualTo(200);
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(tokenRequests()).hasSize(1);
        assertThat(vertex.recordedRequests()).hasSize(7);
    }

    @Test
    void aKeyGoogleDoesNotKnowIsAClearErrorWithoutKeyMaterialInTheAnswerOrTheLog() {
        ServiceAccountKeys impostor = ServiceAccountKeys.generate(ACCOUNT.email(), PROJECT);
        String key = impostor.keyFile(vertex.baseUrl() + "/token", "1");

        String message = call("/v1/chat/completions", chat(key)).then().statusCode(502)
                .body("error", equalTo("model_server_error"))
                .body("model_status", equalTo(400))
                .extract().path("message");

        assertThat(message).isEqualTo("the token endpoint " + vertex.baseUrl() + "/token refused service account "
                + ACCOUNT.email() + " with 400: invalid_grant: Invalid JWT Signature.");
        assertThat(vertex.recordedRequests()).extracting(RecordedRequest::path).containsExactly("/token");
        // positive control: the refusal was logged
        assertThat(logLines).anyMatch(line -> line.contains("refused service account " + ACCOUNT.email()));
        String everything = message + "\n" + String.join("\n", logLines);
        assertThat(everything).doesNotContain(impostor.privateKeyBase64().substring(100, 140))
                .doesNotContain("PRIVATE KEY").doesNotContain(form(vertex.recordedRequests().get(0).body())
                        .get("assertion").substring(0, 60));
    }

    @Test
    void aMalformedKeyFileIsRefusedBeforeAnythingIsSent() {
        call("/v1/completions", Map.of("model", model(endpoint(), MODEL, "AIzaSy-an-api-key-not-a-key-file"),
                "prompt", "x"))
                .then().statusCode(422)
                .body("message", equalTo("vertex_ai models need api_key to be the service account's JSON key file "
                        + "(type, client_email, private_key, token_uri); it is not a JSON object"));
        call("/v1/completions", Map.of("model", model(endpoint(), MODEL,
                        "{\"type\":\"service_account\",\"client_email\":\"a@b.c\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nnot-base64-secret\\n\"}"),
                "prompt", "x"))
                .then().statusCode(422)
                .body("message", containsString("its private_key is not a PEM-encoded PKCS#8 RSA private key"))
                .body("message", not(containsString("not-base64-secret")));
        assertThat(vertex.recordedRequests()).isEmpty();
    }

    @Test
    void theTokenEndpointMustPassTheEgressAllowlist() {
        ScriptedHostResolver.script("oauth2.googleapis.com", "203.0.113.7");
        String key = ACCOUNT.keyFile("https://oauth2.googleapis.com/token", "2");

        call("/v1/completions", Map.of("model", model(endpoint(), MODEL, key), "prompt", "x"))
                .then().statusCode(403)
                .body("error", equalTo("egress_denied"))
                .body("message", equalTo("cannot get an access token for service account " + ACCOUNT.email()
                        + " from its token_uri https://oauth2.googleapis.com/token: model endpoint host "
                        + "oauth2.googleapis.com resolves to 203.0.113.7, which is outside the allowed networks "
                        + "(enclave.adapter.egress.allowed-cidrs)"));
        assertThat(vertex.recordedRequests()).isEmpty();
    }

    @Test
    void theModelEndpointMustPassTheEgressAllowlistAndNameProjectAndLocation() {
        ScriptedHostResolver.script("us-central1-aiplatform.googleapis.com", "203.0.113.8");
        call("/v1/completions", Map.of("model", model("https://us-central1-aiplatform.googleapis.com/v1/projects/"
                + PROJECT + "/locations/" + LOCATION, MODEL, freshKey()), "prompt", "x"))
                .then().statusCode(403)
                .body("message", containsString("us-central1-aiplatform.googleapis.com resolves to 203.0.113.8, "
                        + "which is outside the allowed networks"));
        assertThat(vertex.recordedRequests()).extracting(RecordedRequest::path)
                .as("only the token endpoint, which is allowed, was called").containsExactly("/token");

        call("/v1/completions", Map.of("model", model(vertex.baseUrl(), MODEL, freshKey()), "prompt", "x"))
                .then().statusCode(422)
                .body("message", containsString("model.endpoint for vertex_ai must name the project and location, "
                        + "as in https://<location>-aiplatform.googleapis.com/v1/projects/<project>/locations/<location>"));
    }

    private static Map<String, Object> claudeChat(String apiKey, boolean stream) {
        Map<String, Object> body = new HashMap<>(chat(apiKey));
        body.put("model", model(endpoint(), CLAUDE, apiKey));
        body.put("stream", stream);
        return body;
    }

    @Test
    void claudeOnVertexIsAnthropicsMessagesBodyPostedToRawPredict() {
        String key = freshKey();
        String whole = call("/v1/chat/completions", claudeChat(key, false)).then().statusCode(200)
                .body("model", equalTo(CLAUDE))
                .body("usage.prompt_tokens", equalTo(11))
                .extract().path("text");

        RecordedRequest sent = vertex.recordedRequests().get(1);
        assertThat(sent.path()).isEqualTo("/v1/projects/" + PROJECT + "/locations/" + LOCATION
                + "/publishers/anthropic/models/claude-3-5-sonnet-v2%4020241022:rawPredict");
        assertThat(sent.header("Authorization")).startsWith("Bearer ya29.sim-");
        assertThat(sent.header("anthropic-version")).isNull();
        JsonNode body = sent.json();
        assertThat(body.get("anthropic_version").asText()).isEqualTo("vertex-2023-10-16");
        assertThat(body.has("model")).isFalse();
        assertThat(body.get("system").asText()).isEqualTo("Be brief.");
        assertThat(body.at("/messages/1/role").asText()).isEqualTo("assistant");
        assertThat(body.at("/messages/2/content/0/text").asText()).isEqualTo("again");
        assertThat(body.get("max_tokens").asInt()).isEqualTo(40);

        Response streamed = call("/v1/chat/completions", claudeChat(key, true));
        streamed.then().statusCode(200).contentType("application/x-ndjson");
        StringBuilder text = new StringBuilder();
        String[] lines = streamed.asString().split("\n");
        for (int i = 0; i < lines.length - 1; i++) {
            try {
                text.append(JSON.readTree(lines[i]).get("text").asText());
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
        assertThat(text.toString()).isEqualTo(whole);
        assertThat(lines[lines.length - 1]).contains("\"type\":\"done\"");
        RecordedRequest streamCall = vertex.recordedRequests().get(vertex.recordedRequests().size() - 1);
        assertThat(streamCall.path()).endsWith(":streamRawPredict");
        assertThat(streamCall.json().get("stream").asBoolean()).isTrue();
        assertThat(tokenRequests()).hasSize(1);
    }

    @Test
    void onlyGoogleAndAnthropicModelsAreCalled() {
        call("/v1/completions", Map.of("model", model(endpoint(), "meta/llama-3.1-405b-instruct-maas", freshKey()),
                "prompt", "x"))
                .then().statusCode(422)
                .body("message", equalTo("vertex_ai calls Google's models (Gemini, publisher google) and Anthropic's "
                        + "(Claude, publisher anthropic); publisher 'meta' is not supported"));
        assertThat(vertex.recordedRequests()).isEmpty();
    }

    @Test
    void vertexErrorsSurfaceWithGooglesStatusAndMessage() {
        String key = freshKey();
        call("/v1/completions", Map.of("model", model(endpoint(), "gemini-9", key), "prompt", "x"))
                .then().statusCode(502).body("model_status", equalTo(404))
                .body("message", containsString("answered 404: NOT_FOUND: Publisher Model `projects/" + PROJECT
                        + "/locations/" + LOCATION + "/publishers/google/models/gemini-9` not found."));
        call("/v1/completions", Map.of("model", model(vertex.baseUrl() + "/v1/projects/other/locations/" + LOCATION,
                MODEL, key), "prompt", "x"))
                .then().statusCode(502).body("model_status", equalTo(403))
                .body("message", containsString("PERMISSION_DENIED: Permission 'aiplatform.endpoints.predict' denied"));
        vertex.faults().failNext(1, 429);
        call("/v1/completions", Map.of("model", model(endpoint(), MODEL, key), "prompt", "x"))
                .then().statusCode(502).body("model_status", equalTo(429))
                .body("message", containsString("RESOURCE_EXHAUSTED"));
    }
}
