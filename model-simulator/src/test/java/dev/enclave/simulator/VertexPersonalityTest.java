package dev.enclave.simulator;

import static dev.enclave.simulator.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VertexPersonalityTest {

    private static final String MODEL = "gemini-1.5-pro-002";
    private static final String CLAUDE = "claude-3-5-sonnet-v2@20241022";
    private static final String PROJECT = "enclave-test";
    private static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    private static final String CHAT = "{\"systemInstruction\":{\"parts\":[{\"text\":\"Be brief.\"}]},"
            + "\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Say hi\"}]}],"
            + "\"generationConfig\":{\"maxOutputTokens\":40,\"temperature\":0.2}}";

    private static final ServiceAccounts ACCOUNT = ServiceAccounts.generate("enclave@enclave-test.iam.gserviceaccount.com", PROJECT);
    private static ModelSimulator sim;

    @BeforeAll
    static void start() {
        // the key file's token_uri is not known before the port is: the simulator checks aud against its own URL
        sim = ModelSimulator.start(SimulatorConfig.builder().port(0).personality(Personality.VERTEX_AI)
                .apiKey(ACCOUNT.keyFile("http://127.0.0.1/token")).models(List.of(MODEL, CLAUDE)).build());
    }

    @AfterEach
    void reset() {
        sim.faults().clear();
        sim.setTokenLifetimeSeconds(3599);
        sim.clearRecorded();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static String tokenUri() {
        return sim.baseUrl() + "/token";
    }

    private static HttpResponse<String> exchange(String assertion) throws Exception {
        String form = "grant_type=" + URLEncoder.encode("urn:ietf:params:oauth:grant-type:jwt-bearer", StandardCharsets.UTF_8)
                + "&assertion=" + URLEncoder.encode(assertion, StandardCharsets.UTF_8);
        return TestHttp.send(HttpRequest.newBuilder(URI.create(tokenUri()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }

    private static String token() throws Exception {
        long now = Instant.now().getEpochSecond();
        HttpResponse<String> response = exchange(ACCOUNT.assertion(ACCOUNT.claims(tokenUri(), now, now + 3600, SCOPE)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response.body()).get("access_token").asText();
    }

    private static String modelUrl(String project, String model, String method) {
        return sim.baseUrl() + "/v1/projects/" + project + "/locations/us-central1/publishers/google/models/" + model
                + ":" + method;
    }

    private static HttpResponse<String> generate(String token, String url, String body) throws Exception {
        return TestHttp.post(url, token, body);
    }

    @Test
    void aSignedAssertionBuysABearerTokenThatGenerateContentTakes() throws Exception {
        long now = Instant.now().getEpochSecond();
        HttpResponse<String> exchanged = exchange(ACCOUNT.assertion(ACCOUNT.claims(tokenUri(), now, now + 3600, SCOPE)));
        assertThat(exchanged.statusCode()).isEqualTo(200);
        JsonNode token = json(exchanged.body());
        assertThat(token.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(token.get("expires_in").asLong()).isEqualTo(3599);
        assertThat(token.get("access_token").asText()).startsWith("ya29.");

        HttpResponse<String> answer = generate(token.get("access_token").asText(),
                modelUrl(PROJECT, MODEL, "generateContent"), CHAT);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode body = json(answer.body());
        JsonNode candidate = body.at("/candidates/0");
        assertThat(candidate.at("/content/role").asText()).isEqualTo("model");
        assertThat(candidate.at("/content/parts/0/text").asText()).isNotEmpty();
        assertThat(candidate.get("finishReason").asText()).isIn("STOP", "MAX_TOKENS");
        JsonNode usage = body.get("usageMetadata");
        assertThat(usage.get("promptTokenCount").asInt()).isEqualTo(7);
        assertThat(usage.get("totalTokenCount").asInt())
                .isEqualTo(usage.get("promptTokenCount").asInt() + usage.get("candidatesTokenCount").asInt());
        assertThat(sim.recordedRequests()).extracting(RecordedRequest::path)
                .containsExactly("/token", "/v1/projects/" + PROJECT + "/locations/us-central1/publishers/google/models/"
                        + MODEL + ":generateContent");
    }

    @Test
    void theConversationIsAnsweredAsTheOtherPersonalitiesAnswerIt() throws Exception {
        JsonNode body = json(generate(token(), modelUrl(PROJECT, MODEL, "generateContent"),
                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]},{\"role\":\"model\",\"parts\":[{\"text\":\"yo\"}]},"
                        + "{\"role\":\"user\",\"parts\":[{\"text\":\"more\"}]}],\"generationConfig\":{\"maxOutputTokens\":3}}").body());
        Conversation conversation = new Conversation();
        conversation.add("user", "hi");
        conversation.add("assistant", "yo");
        conversation.add("user", "more");
        Generation expected = conversation.answer(MODEL, 3, List.of());

        assertThat(body.at("/candidates/0/content/parts/0/text").asText()).isEqualTo(expected.text());
        assertThat(body.at("/candidates/0/finishReason").asText())
                .isEqualTo("stop".equals(expected.finishReason()) ? "STOP" : "MAX_TOKENS");
    }

    @Test
    void withoutAValidUnexpiredTokenTheModelRoutesAnswer401InGooglesShape() throws Exception {
        HttpResponse<String> missing = TestHttp.post(modelUrl(PROJECT, MODEL, "generateContent"), null, CHAT);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(json(missing.body()).at("/error/status").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(json(missing.body()).at("/error/code").asInt()).isEqualTo(401);
        assertThat(json(missing.body()).at("/error/message").asText()).startsWith("Request is missing required authentication credential.");

        HttpResponse<String> forged = generate("ya29.made-up", modelUrl(PROJECT, MODEL, "generateContent"), CHAT);
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(json(forged.body()).at("/error/message").asText()).startsWith("Request had invalid authentication credentials.");

        String revoked = token();
        assertThat(generate(revoked, modelUrl(PROJECT, MODEL, "generateContent"), CHAT).statusCode()).isEqualTo(200);
        sim.revokeTokens();
        assertThat(generate(revoked, modelUrl(PROJECT, MODEL, "generateContent"), CHAT).statusCode()).isEqualTo(401);

        sim.setTokenLifetimeSeconds(1);
        String shortLived = token();
        assertThat(generate(shortLived, modelUrl(PROJECT, MODEL, "generateContent"), CHAT).statusCode()).isEqualTo(200);
        Thread.sleep(1_100);
        assertThat(generate(shortLived, modelUrl(PROJECT, MODEL, "generateContent"), CHAT).statusCode()).isEqualTo(401);
    }

    @Test
    void assertionsAreCheckedAsGoogleChecksThem() throws Exception {
        long now = Instant.now().getEpochSecond();
        ServiceAccounts stranger = ServiceAccounts.generate(ACCOUNT.email(), PROJECT);

        HttpResponse<String> forged = exchange(stranger.assertion(stranger.claims(tokenUri(), now, now + 3600, SCOPE)));
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(json(forged.body()).get("error").asText()).isEqualTo("invalid_grant");
        assertThat(json(forged.body()).get("error_description").asText()).isEqualTo("Invalid JWT Signature.");

        assertThat(json(exchange(ACCOUNT.assertion(ACCOUNT.claims("https://oauth2.googleapis.com/token", now, now + 3600,
                SCOPE))).body()).get("error_description").asText()).startsWith("Invalid JWT: Failed audience check.");
        assertThat(json(exchange(ACCOUNT.assertion(ACCOUNT.claims(tokenUri(), now, now + 7200, SCOPE))).body())
                .get("error_description").asText()).startsWith("Invalid JWT: Token must be a short-lived token");
        assertThat(json(exchange(ACCOUNT.assertion(ACCOUNT.claims(tokenUri(), now - 7200, now - 3600, SCOPE))).body())
                .get("error_description").asText()).startsWith("Invalid JWT: Token must be a short-lived token");
        assertThat(json(exchange(ACCOUNT.assertion(ACCOUNT.claims(tokenUri(), now, now + 3600,
                "https://www.googleapis.com/auth/devstorage.read_only"))).body()).get("error").asText())
                .isEqualTo("invalid_scope");
        assertThat(json(exchange(ACCOUNT.assertion(ACCOUNT.claims(tokenUri(), now, now + 3600, SCOPE)
                .put("iss", "someone@else.iam.gserviceaccount.com"))).body()).get("error").asText())
                .isEqualTo("invalid_grant");
        HttpResponse<String> wrongGrant = TestHttp.send(HttpRequest.newBuilder(URI.create(tokenUri()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build());
        assertThat(wrongGrant.statusCode()).isEqualTo(400);
        assertThat(json(wrongGrant.body()).get("error").asText()).isEqualTo("unsupported_grant_type");
    }

    @Test
    void anotherProjectIsDeniedAndAnUnknownModelIsNotFound() throws Exception {
        String token = token();
        HttpResponse<String> otherProject = generate(token, modelUrl("someone-elses", MODEL, "generateContent"), CHAT);
        assertThat(otherProject.statusCode()).isEqualTo(403);
        assertThat(json(otherProject.body()).at("/error/status").asText()).isEqualTo("PERMISSION_DENIED");

        HttpResponse<String> unknown = generate(token, modelUrl(PROJECT, "gemini-9", "generateContent"), CHAT);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown.body()).at("/error/message").asText())
                .isEqualTo("Publisher Model `projects/" + PROJECT + "/locations/us-central1/publishers/google/models/gemini-9` not found.");

        HttpResponse<String> empty = generate(token, modelUrl(PROJECT, MODEL, "generateContent"), "{\"contents\":[]}");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(json(empty.body()).at("/error/status").asText()).isEqualTo("INVALID_ARGUMENT");

        sim.faults().failNext(1, 429);
        HttpResponse<String> throttled = generate(token, modelUrl(PROJECT, MODEL, "generateContent"), CHAT);
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(json(throttled.body()).at("/error/status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
    }

    @Test
    void streamGenerateContentWithAltSseSendsOneChunkPerTokenThenTheFinishReasonAndUsage() throws Exception {
        String token = token();
        String body = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"count\"}]}],\"generationConfig\":{\"maxOutputTokens\":6}}";
        JsonNode whole = json(generate(token, modelUrl(PROJECT, MODEL, "generateContent"), body).body());

        HttpResponse<String> streamed = generate(token, modelUrl(PROJECT, MODEL, "streamGenerateContent") + "?alt=sse", body);

        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        assertThat(streamed.body()).endsWith("\r\n\r\n");
        List<JsonNode> chunks = new ArrayList<>();
        for (String event : streamed.body().split("\r\n\r\n")) {
            assertThat(event).startsWith("data: ");
            chunks.add(json(event.substring(6)));
        }
        StringBuilder text = new StringBuilder();
        chunks.forEach(chunk -> text.append(chunk.at("/candidates/0/content/parts/0/text").asText()));
        assertThat(text.toString()).isEqualTo(whole.at("/candidates/0/content/parts/0/text").asText());
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.at("/candidates/0/finishReason").asText()).isEqualTo(whole.at("/candidates/0/finishReason").asText());
        assertThat(last.get("usageMetadata")).isEqualTo(whole.get("usageMetadata"));
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(chunk ->
                assertThat(chunk.at("/candidates/0/finishReason").isMissingNode()).isTrue());

        HttpResponse<String> array = generate(token, modelUrl(PROJECT, MODEL, "streamGenerateContent"), body);
        assertThat(array.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(json(array.body()).size()).isEqualTo(chunks.size());
    }

    @Test
    void aMidStreamFailureIsGooglesErrorObjectAsAnEvent() throws Exception {
        String token = token();
        sim.faults().failMidStream(1);

        HttpResponse<String> streamed = generate(token, modelUrl(PROJECT, MODEL, "streamGenerateContent") + "?alt=sse",
                "{\"contents\":[{\"parts\":[{\"text\":\"count\"}]}],\"generationConfig\":{\"maxOutputTokens\":6}}");

        String[] events = streamed.body().split("\r\n\r\n");
        assertThat(events).hasSize(2);
        assertThat(json(events[1].substring(6)).at("/error/status").asText()).isEqualTo("UNAVAILABLE");
    }

    private static String claudeUrl(String method) {
        return sim.baseUrl() + "/v1/projects/" + PROJECT + "/locations/us-east5/publishers/anthropic/models/"
                + CLAUDE.replace("@", "%40") + ":" + method;
    }

    @Test
    void claudeOnVertexTakesAnthropicsBodyWithTheVertexVersionAndAnswersAsAnthropic() throws Exception {
        String token = token();
        String body = "{\"anthropic_version\":\"vertex-2023-10-16\",\"max_tokens\":5,\"system\":\"Be brief.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Say hi\"}]}]}";

        HttpResponse<String> answer = generate(token, claudeUrl("rawPredict"), body);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode message = json(answer.body());
        assertThat(message.get("type").asText()).isEqualTo("message");
        assertThat(message.get("model").asText()).isEqualTo(CLAUDE);
        assertThat(message.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(message.at("/usage/input_tokens").asInt()).isEqualTo(7);

        HttpResponse<String> streamed = generate(token, claudeUrl("streamRawPredict"),
                body.replace("{\"anthropic_version\"", "{\"stream\":true,\"anthropic_version\""));
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.body()).startsWith("event: message_start\n").contains("event: message_stop\n");

        HttpResponse<String> withoutVersion = generate(token, claudeUrl("rawPredict"),
                body.replace("\"anthropic_version\":\"vertex-2023-10-16\",", ""));
        assertThat(withoutVersion.statusCode()).isEqualTo(400);
        assertThat(json(withoutVersion.body()).at("/error/message").asText())
                .isEqualTo("anthropic_version: Input should be 'vertex-2023-10-16'");
        assertThat(generate("ya29.made-up", claudeUrl("rawPredict"), body).statusCode()).isEqualTo(401);
    }

    @Test
    void theKeyMustBeAServiceAccountKeyFileAndIsNeverRepeated() {
        assertThatThrownBy(() -> SimulatorConfig.builder().personality(Personality.VERTEX_AI).apiKey("sk-not-a-key-file").build())
                .hasMessage("the vertex personality's api key must be a service-account JSON key file");
        assertThatThrownBy(() -> SimulatorConfig.builder().personality(Personality.VERTEX_AI)
                .apiKey("{\"type\":\"service_account\",\"client_email\":\"a@b\",\"private_key\":\"secret-garbage\"}").build())
                .hasMessage("the vertex personality's api key has a private_key that is not a PEM PKCS#8 RSA key");
    }
}
