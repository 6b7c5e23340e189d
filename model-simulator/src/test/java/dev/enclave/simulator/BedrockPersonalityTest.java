package dev.enclave.simulator;

import static dev.enclave.simulator.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Bedrock personality checks SigV4 like AWS does; requests here are signed with the verifier's own math. */
class BedrockPersonalityTest {

    private static final String MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
    private static final String RAW_PATH = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse";
    private static final String ACCESS_KEY = "AKIDSIMULATOR";
    private static final String SECRET = "sim/secret+key";
    private static ModelSimulator sim;

    @BeforeAll
    static void start() {
        sim = ModelSimulator.start(SimulatorConfig.builder().port(0).personality(Personality.BEDROCK)
                .apiKey(ACCESS_KEY + ":" + SECRET).awsRegion("eu-west-1").models(List.of(MODEL)).build());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static HttpResponse<String> converse(String rawPath, String body, String secret, String region,
                                                 Instant at) throws Exception {
        return TestHttp.send(signed(rawPath, body, secret, region, at));
    }

    private static HttpRequest signed(String rawPath, String body, String secret, String region, Instant at) {
        String host = "127.0.0.1:" + sim.port();
        String amzDate = SigV4Verifier.AMZ_DATE.format(at);
        Headers signed = new Headers();
        signed.add("content-type", "application/json");
        signed.add("host", host);
        signed.add("x-amz-date", amzDate);
        List<String> names = List.of("content-type", "host", "x-amz-date");
        String canonical = SigV4Verifier.canonicalRequest("POST", rawPath, null, names, signed,
                SigV4Verifier.sha256Hex(body));
        String scope = amzDate.substring(0, 8) + "/" + region + "/bedrock/aws4_request";
        String signature = SigV4Verifier.signature(secret, amzDate.substring(0, 8), region, "bedrock",
                SigV4Verifier.stringToSign(amzDate, scope, canonical));
        return HttpRequest.newBuilder(URI.create(sim.baseUrl() + rawPath))
                .header("Content-Type", "application/json")
                .header("X-Amz-Date", amzDate)
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY + "/" + scope
                        + ", SignedHeaders=content-type;host;x-amz-date, Signature=" + signature)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static final String BODY = """
            {"system":[{"text":"Be brief."}],"messages":[{"role":"user","content":[{"text":"Reply with OK"}]}],
             "inferenceConfig":{"maxTokens":300,"temperature":0}}""";

    @Test
    void signedConverseAnswersInBedrocksShape() throws Exception {
        HttpResponse<String> response = converse(RAW_PATH, BODY, SECRET, "eu-west-1", Instant.now());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json(response.body());
        assertThat(body.at("/output/message/role").asText()).isEqualTo("assistant");
        assertThat(body.at("/output/message/content/0/text").isTextual()).isTrue();
        assertThat(body.get("stopReason").asText()).isEqualTo("end_turn");
        assertThat(body.at("/usage/totalTokens").asInt())
                .isEqualTo(body.at("/usage/inputTokens").asInt() + body.at("/usage/outputTokens").asInt());
        assertThat(sim.recordedRequests().get(sim.recordedRequests().size() - 1).path()).isEqualTo(RAW_PATH);
    }

    @Test
    void wrongSecretIsASignatureMismatch() throws Exception {
        HttpResponse<String> response = converse(RAW_PATH, BODY, "other-secret", "eu-west-1", Instant.now());

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValueSatisfying(
                type -> assertThat(type).startsWith("InvalidSignatureException:"));
        assertThat(json(response.body()).get("message").asText())
                .startsWith("The request signature we calculated does not match");
    }

    @Test
    void regionAndClockAreChecked() throws Exception {
        HttpResponse<String> otherRegion = converse(RAW_PATH, BODY, SECRET, "us-east-1", Instant.now());
        HttpResponse<String> stale = converse(RAW_PATH, BODY, SECRET, "eu-west-1",
                Instant.now().minus(Duration.ofMinutes(6)));

        assertThat(json(otherRegion.body()).get("message").asText())
                .isEqualTo("Credential should be scoped to a valid region.");
        assertThat(stale.statusCode()).isEqualTo(403);
        assertThat(json(stale.body()).get("message").asText()).startsWith("Signature expired:");
    }

    @Test
    void unsignedRequestsAreRefused() throws Exception {
        HttpResponse<String> response = TestHttp.post(sim.baseUrl() + RAW_PATH, null, BODY);

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValueSatisfying(
                type -> assertThat(type).startsWith("MissingAuthenticationTokenException:"));
        assertThat(json(response.body()).get("message").asText()).isEqualTo("Missing Authentication Token");
    }

    @Test
    void unknownModelAndBadConversationsAreValidationExceptions() throws Exception {
        HttpResponse<String> unknown = converse("/model/amazon.titan-x/converse", BODY, SECRET, "eu-west-1",
                Instant.now());
        HttpResponse<String> assistantFirst = converse(RAW_PATH, """
                {"messages":[{"role":"assistant","content":[{"text":"hi"}]}]}""", SECRET, "eu-west-1", Instant.now());

        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.headers().firstValue("x-amzn-ErrorType")).hasValueSatisfying(
                type -> assertThat(type).startsWith("ValidationException:"));
        assertThat(json(unknown.body()).get("message").asText()).isEqualTo("The provided model identifier is invalid.");
        assertThat(json(assistantFirst.body()).get("message").asText())
                .startsWith("A conversation must start with a user message.");
    }

    @Test
    void injectedThrottlingIsAThrottlingException() throws Exception {
        sim.faults().failNext(1, 429);
        HttpResponse<String> response = converse(RAW_PATH, BODY, SECRET, "eu-west-1", Instant.now());

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValueSatisfying(
                type -> assertThat(type).startsWith("ThrottlingException:"));
    }

    private static final String STREAM_PATH = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream";
    private static final String STREAM_BODY = """
            {"messages":[{"role":"user","content":[{"text":"Hello there"}]}],"inferenceConfig":{"maxTokens":4}}""";

    @Test
    void signedConverseStreamSendsEventStreamMessages() throws Exception {
        JsonNode whole = json(converse(RAW_PATH, STREAM_BODY, SECRET, "eu-west-1", Instant.now()).body());

        HttpResponse<byte[]> response = TestHttp.send(signed(STREAM_PATH, STREAM_BODY, SECRET, "eu-west-1",
                Instant.now()), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/vnd.amazon.eventstream");
        assertThat(response.headers().firstValue("x-amzn-RequestId")).isPresent();
        List<EventStreamDecoder.Message> messages = EventStreamDecoder.decode(response.body());
        assertThat(messages).allSatisfy(message -> {
            assertThat(message.headers().keySet()).containsExactlyInAnyOrder(":event-type", ":content-type", ":message-type");
            assertThat(message.header(":content-type")).isEqualTo("application/json");
            assertThat(message.header(":message-type")).isEqualTo("event");
        });
        List<String> types = messages.stream().map(message -> message.header(":event-type")).toList();
        int deltas = (int) types.stream().filter("contentBlockDelta"::equals).count();
        assertThat(deltas).isPositive();
        List<String> expected = new ArrayList<>(List.of("messageStart"));
        expected.addAll(Collections.nCopies(deltas, "contentBlockDelta"));
        expected.addAll(List.of("contentBlockStop", "messageStop", "metadata"));
        assertThat(types).containsExactlyElementsOf(expected);

        List<JsonNode> payloads = messages.stream().map(message -> json(message.payloadText())).toList();
        assertThat(payloads.get(0).get("role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        payloads.subList(1, 1 + deltas).forEach(delta -> {
            assertThat(delta.get("contentBlockIndex").asInt()).isZero();
            text.append(delta.at("/delta/text").asText());
        });
        assertThat(text.toString()).isEqualTo(whole.at("/output/message/content/0/text").asText());
        assertThat(payloads.get(deltas + 1).get("contentBlockIndex").asInt()).isZero();
        assertThat(payloads.get(deltas + 2).get("stopReason")).isEqualTo(whole.get("stopReason"));
        JsonNode metadata = payloads.get(deltas + 3);
        assertThat(metadata.get("usage")).isEqualTo(whole.get("usage"));
        assertThat(metadata.at("/metrics/latencyMs").asLong()).isNotNegative();
        // AWS pads every payload with a "p" field that clients must ignore.
        assertThat(payloads).allSatisfy(payload -> assertThat(payload.get("p").asText()).isNotEmpty());
    }

    @Test
    void theTestDecoderRejectsABadCrc() throws Exception {
        byte[] frames = TestHttp.send(signed(STREAM_PATH, STREAM_BODY, SECRET, "eu-west-1", Instant.now()),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        byte[] badPrelude = frames.clone();
        badPrelude[5] ^= 1;
        byte[] badMessage = frames.clone();
        badMessage[20] ^= 1;

        assertThatThrownBy(() -> EventStreamDecoder.decode(badPrelude)).hasMessageContaining("prelude CRC");
        assertThatThrownBy(() -> EventStreamDecoder.decode(badMessage)).hasMessageContaining("message CRC");
    }

    @Test
    void converseStreamChecksTheSignatureBeforeStreaming() throws Exception {
        HttpResponse<String> response = TestHttp.send(signed(STREAM_PATH, STREAM_BODY, "other-secret", "eu-west-1",
                Instant.now()));

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValueSatisfying(
                type -> assertThat(type).startsWith("InvalidSignatureException:"));
    }
}
