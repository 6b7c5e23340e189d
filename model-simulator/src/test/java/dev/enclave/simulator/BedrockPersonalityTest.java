package dev.enclave.simulator;

import static dev.enclave.simulator.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
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
        return TestHttp.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + rawPath))
                .header("Content-Type", "application/json")
                .header("X-Amz-Date", amzDate)
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY + "/" + scope
                        + ", SignedHeaders=content-type;host;x-amz-date, Signature=" + signature)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
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
}
