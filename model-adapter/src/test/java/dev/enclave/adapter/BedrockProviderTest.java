package dev.enclave.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.simulator.RecordedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.enclave.adapter.GatewayCaller.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/**
 * {@code bedrock} against the simulator's Bedrock personality, which recomputes every SigV4
 * signature with the same secret and refuses what AWS would refuse.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class BedrockProviderTest {

    /** Named like AWS's endpoint, so the region comes from the host; "DNS" points it at the fake. */
    private static final String AWS_HOST = "bedrock-runtime." + SimulatedModelServer.AWS_REGION + ".amazonaws.com";

    @BeforeEach
    void reset() {
        SimulatedModelServer.reset();
        ScriptedHostResolver.clear();
        ScriptedHostResolver.script(AWS_HOST, "127.0.0.1");
    }

    private static String endpoint() {
        return "http://" + AWS_HOST + ":" + SimulatedModelServer.bedrock.port();
    }

    private static Map<String, Object> model(String endpoint, String identifier, String apiKey) {
        return Map.of("provider", "bedrock", "endpoint", endpoint, "identifier", identifier, "api_key", apiKey);
    }

    private static Response call(String path, Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post(path);
    }

    @Test
    void aSignedConverseCallIsAcceptedAndAnswered() {
        call("/v1/chat/completions", Map.of("model", model(endpoint(), SimulatedModelServer.BEDROCK_MODEL,
                SimulatedModelServer.AWS_KEY), "messages", List.of(Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "Reply with OK")), "max_tokens", 300, "temperature", 0.2))
                .then().statusCode(200)
                .body("finish_reason", equalTo("stop"))
                .body("model", equalTo(SimulatedModelServer.BEDROCK_MODEL))
                .body("usage.prompt_tokens", equalTo(8));

        RecordedRequest sent = SimulatedModelServer.bedrock.recordedRequests().get(0);
        assertThat(sent.path()).isEqualTo("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
        assertThat(sent.header("Host")).isEqualTo(AWS_HOST + ":" + SimulatedModelServer.bedrock.port());
        assertThat(sent.header("Authorization")).matches("AWS4-HMAC-SHA256 Credential=AKIDSIMULATEDTEST/\\d{8}/"
                + SimulatedModelServer.AWS_REGION + "/bedrock/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}");
        assertThat(sent.header("Authorization")).doesNotContain("simulated/secret");
        JsonNode body = sent.json();
        assertThat(body.at("/system/0/text").asText()).isEqualTo("Be brief.");
        assertThat(body.at("/messages/0/role").asText()).isEqualTo("user");
        assertThat(body.at("/messages/0/content/0/text").asText()).isEqualTo("Reply with OK");
        assertThat(body.at("/inferenceConfig/maxTokens").asInt()).isEqualTo(300);
    }

    @Test
    void aRawPromptIsOneUserMessageAndTheTokenLimitIsLength() {
        call("/v1/completions", Map.of("model", model(endpoint(), SimulatedModelServer.BEDROCK_MODEL,
                SimulatedModelServer.AWS_KEY), "prompt", "def add(a, b):", "max_tokens", 1))
                .then().statusCode(200)
                .body("finish_reason", equalTo("length"))
                .body("usage.completion_tokens", equalTo(1));
    }

    @Test
    void aWrongSecretIsTheFakesSignatureMismatch() {
        call("/v1/completions", Map.of("model", model(endpoint(), SimulatedModelServer.BEDROCK_MODEL,
                "AKIDSIMULATEDTEST:not-the-secret-000"), "prompt", "x"))
                .then().statusCode(502)
                .body("model_status", equalTo(403))
                .body("message", containsString("answered 403: InvalidSignatureException: The request signature we "
                        + "calculated does not match the signature you provided."))
                .body("message", not(containsString("not-the-secret-000")));
    }

    @Test
    void withoutARegionInTheHostTheConfiguredOneIsUsed() {
        call("/v1/completions", Map.of("model", model("http://127.0.0.1:" + SimulatedModelServer.bedrock.port(),
                SimulatedModelServer.BEDROCK_MODEL, SimulatedModelServer.AWS_KEY), "prompt", "x"))
                .then().statusCode(502)
                .body("model_status", equalTo(403))
                .body("message", containsString("InvalidSignatureException: Credential should be scoped to a valid region."));

        assertThat(SimulatedModelServer.bedrock.recordedRequests().get(0).header("Authorization"))
                .contains("/" + SimulatedModelServer.CONFIGURED_AWS_REGION + "/bedrock/aws4_request");
    }

    @Test
    void bedrocksOwnErrorsSurfaceWithTheExceptionName() {
        call("/v1/completions", Map.of("model", model(endpoint(), "amazon.titan-x", SimulatedModelServer.AWS_KEY),
                "prompt", "x")).then().statusCode(502).body("model_status", equalTo(400))
                .body("message", containsString("answered 400: ValidationException: The provided model identifier "
                        + "is invalid."));
        SimulatedModelServer.bedrock.faults().failNext(1, 429);
        call("/v1/completions", Map.of("model", model(endpoint(), SimulatedModelServer.BEDROCK_MODEL,
                SimulatedModelServer.AWS_KEY), "prompt", "x")).then().statusCode(502)
                .body("model_status", equalTo(429)).body("message", containsString("ThrottlingException"));
    }

    @Test
    void theApiKeyMustBeAnAccessKeyPair() {
        call("/v1/completions", Map.of("model", model(endpoint(), SimulatedModelServer.BEDROCK_MODEL,
                "just-a-secret-value"), "prompt", "x"))
                .then().statusCode(422)
                .body("message", equalTo("bedrock models need api_key in the form ACCESS_KEY_ID:SECRET_ACCESS_KEY "
                        + "(or ACCESS_KEY_ID:SECRET_ACCESS_KEY:SESSION_TOKEN)"));
        assertThat(SimulatedModelServer.bedrock.recordedRequests()).isEmpty();
    }

    @Test
    void withoutAnEndpointAwssPublicOneForTheConfiguredRegionIsCalledIfTheAllowlistLetsIt() {
        ScriptedHostResolver.script("bedrock-runtime.us-east-1.amazonaws.com", "203.0.113.80");

        call("/v1/completions", Map.of("model", Map.of("provider", "bedrock", "identifier",
                SimulatedModelServer.BEDROCK_MODEL, "api_key", SimulatedModelServer.AWS_KEY), "prompt", "x"))
                .then().statusCode(403)
                .body("message", equalTo("model endpoint host bedrock-runtime.us-east-1.amazonaws.com resolves to "
                        + "203.0.113.80, which is outside the allowed networks (enclave.adapter.egress.allowed-cidrs)"));
    }

    @Test
    void timeoutsAndDroppedConnections() {
        SimulatedModelServer.bedrock.setLatencyMs(1_500);
        call("/v1/completions", Map.of("model", model(endpoint(), SimulatedModelServer.BEDROCK_MODEL,
                SimulatedModelServer.AWS_KEY), "prompt", "x", "timeout_ms", 500)).then().statusCode(504);
        SimulatedModelServer.bedrock.setLatencyMs(0);
        SimulatedModelServer.bedrock.faults().dropNext(1);
        call("/v1/completions", Map.of("model", model(endpoint(), SimulatedModelServer.BEDROCK_MODEL,
                SimulatedModelServer.AWS_KEY), "prompt", "x")).then().statusCode(502)
                .body("error", equalTo("model_server_unreachable"));
    }

    @Test
    void stopSequencesGoInInferenceConfig() {
        call("/v1/chat/completions", Map.of("model", model(endpoint(), SimulatedModelServer.BEDROCK_MODEL,
                SimulatedModelServer.AWS_KEY), "messages", List.of(Map.of("role", "user", "content", "Reply with OK")),
                "max_tokens", 30, "stop", List.of("</new_code>", "Observation:"))).then().statusCode(200);

        JsonNode body = SimulatedModelServer.bedrock.recordedRequests().get(0).json();
        assertThat(body.at("/inferenceConfig/stopSequences").toString())
                .isEqualTo("[\"</new_code>\",\"Observation:\"]");
        assertThat(body.has("stop")).isFalse();
    }
}
