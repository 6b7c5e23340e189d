package dev.enclave.simulator;

import static dev.enclave.simulator.TestHttp.KEY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RecordedRequestsTest {

    private static ModelSimulator sim;

    @BeforeAll
    static void start() {
        sim = ModelSimulator.start(SimulatorConfig.builder().port(0).apiKey(KEY).build());
    }

    @BeforeEach
    void clear() {
        sim.clearRecorded();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Test
    void recordsMethodPathLowerCaseHeadersAndBody() throws Exception {
        TestHttp.post(sim.baseUrl() + "/completions", KEY, "{\"model\":\"codestral-22b\",\"prompt\":\"x\"}");

        assertThat(sim.recordedRequests()).singleElement().satisfies(request -> {
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.path()).isEqualTo("/v1/completions");
            assertThat(request.headers()).containsEntry("authorization", List.of("Bearer " + KEY));
            assertThat(request.headers()).containsKey("content-type");
            assertThat(request.header("Authorization")).isEqualTo("Bearer " + KEY);
            assertThat(request.body()).isEqualTo("{\"model\":\"codestral-22b\",\"prompt\":\"x\"}");
            assertThat(request.json().get("prompt").asText()).isEqualTo("x");
        });
    }

    @Test
    void recordsRejectedRequestsButNotHealthOrControl() throws Exception {
        TestHttp.get(sim.baseUrl() + "/models", "wrong");
        TestHttp.post(sim.baseUrl() + "/completions", KEY, "not json");
        TestHttp.get(sim.baseUrl().replace("/v1", "/health"), null);
        TestHttp.post(sim.baseUrl().replace("/v1", "/__simulator/faults"), null, "{\"clear\":true}");

        List<RecordedRequest> recorded = sim.recordedRequests();
        assertThat(recorded).extracting(RecordedRequest::path).containsExactly("/v1/models", "/v1/completions");
        assertThat(recorded.get(0).header("authorization")).isEqualTo("Bearer wrong");
        assertThat(recorded.get(1).json()).isNull();
        assertThat(recorded.get(1).body()).isEqualTo("not json");
    }

    @Test
    void keepsTheLastHundredAndClears() throws Exception {
        for (int i = 0; i < 105; i++) {
            TestHttp.get(sim.baseUrl() + "/models?i=" + i, KEY);
        }

        assertThat(sim.recordedRequests()).hasSize(100);
        sim.clearRecorded();
        assertThat(sim.recordedRequests()).isEmpty();
    }

    private static String control(String path) {
        return sim.baseUrl().replace("/v1", path);
    }

    private static JsonNode overHttp() throws Exception {
        HttpResponse<String> response = TestHttp.get(control("/__simulator/requests"), null);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.body()).doesNotContain(KEY);
        return TestHttp.json(response.body());
    }

    @Test
    void listsRecordedRequestsOverHttpNewestLastWithTheKeyFingerprinted() throws Exception {
        TestHttp.post(sim.baseUrl() + "/completions", KEY, "{\"model\":\"codestral-22b\",\"prompt\":\"def f():\"}");
        TestHttp.get(sim.baseUrl() + "/models?page=2", "wrong-key");
        TestHttp.post(sim.baseUrl() + "/completions", KEY, "not json");

        JsonNode list = overHttp();
        assertThat(list.isArray()).isTrue();
        assertThat(list).hasSize(3);
        JsonNode first = list.get(0);
        assertThat(first.get("method").asText()).isEqualTo("POST");
        assertThat(first.get("path").asText()).isEqualTo("/v1/completions");
        assertThat(first.get("query").isNull()).isTrue();
        assertThat(first.get("body_is_json").asBoolean()).isTrue();
        assertThat(first.get("body").get("prompt").asText()).isEqualTo("def f():");
        assertThat(first.get("headers").get("content-type").get(0).asText()).isEqualTo("application/json");
        assertThat(first.get("headers").get("authorization").get(0).asText())
                .isEqualTo("Bearer sha256:" + RecordedRequestsHandler.sha256Prefix(KEY))
                .matches("Bearer sha256:[0-9a-f]{16}");
        JsonNode second = list.get(1);
        assertThat(second.get("method").asText()).isEqualTo("GET");
        assertThat(second.get("query").asText()).isEqualTo("page=2");
        assertThat(second.get("body").isNull()).isTrue();
        assertThat(second.get("headers").get("authorization").get(0).asText())
                .as("a wrong key gets a different fingerprint")
                .isEqualTo("Bearer sha256:" + RecordedRequestsHandler.sha256Prefix("wrong-key"))
                .doesNotContain("wrong-key");
        JsonNode third = list.get(2);
        assertThat(third.get("body_is_json").asBoolean()).isFalse();
        assertThat(third.get("body").asText()).isEqualTo("not json");
    }

    @Test
    void deleteClearsWithoutAKeyAndTheControlRoutesAreNotRecorded() throws Exception {
        TestHttp.get(sim.baseUrl() + "/models", KEY);
        assertThat(overHttp()).hasSize(1);
        assertThat(overHttp()).as("listing does not record itself").hasSize(1);

        HttpResponse<String> deleted = TestHttp.send(
                TestHttp.request(control("/__simulator/requests"), null).DELETE().build());

        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(overHttp()).isEmpty();
        assertThat(sim.recordedRequests()).isEmpty();
        HttpResponse<String> post = TestHttp.post(control("/__simulator/requests"), null, "{}");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET, DELETE");
    }

    @Test
    void theHttpListIsBoundedToTheLastHundred() throws Exception {
        for (int i = 0; i < 103; i++) {
            TestHttp.get(sim.baseUrl() + "/models?i=" + i, KEY);
        }

        JsonNode list = overHttp();
        assertThat(list).hasSize(RequestLog.CAPACITY);
        assertThat(list.get(0).get("query").asText()).isEqualTo("i=3");
        assertThat(list.get(99).get("query").asText()).isEqualTo("i=102");
    }

    @Test
    void providerKeyHeadersAreFingerprintedInEveryPersonality() throws Exception {
        try (ModelSimulator anthropic = ModelSimulator.start(SimulatorConfig.builder().port(0)
                .personality(Personality.ANTHROPIC).apiKey("sk-ant-secret").build())) {
            TestHttp.send(HttpRequest.newBuilder(java.net.URI.create(anthropic.baseUrl() + "/v1/messages"))
                    .header("x-api-key", "sk-ant-secret")
                    .header("anthropic-version", "2023-06-01")
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\"}"))
                    .build());

            HttpResponse<String> response = TestHttp.get(anthropic.baseUrl() + "/__simulator/requests", null);

            assertThat(response.body()).doesNotContain("sk-ant-secret");
            JsonNode headers = TestHttp.json(response.body()).get(0).get("headers");
            assertThat(headers.get("x-api-key").get(0).asText())
                    .isEqualTo("sha256:" + RecordedRequestsHandler.sha256Prefix("sk-ant-secret"));
            assertThat(headers.get("anthropic-version").get(0).asText()).isEqualTo("2023-06-01");
        }
    }

    @Test
    void formBodiesHaveTheirCredentialFieldsRedacted() {
        assertThat(RecordedRequestsHandler.redactForm(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJ.secret.sig"))
                .isEqualTo("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=%3Credacted%3E");
        assertThat(RecordedRequestsHandler.redactForm("a=1&client_secret=s3&b")).isEqualTo("a=1&client_secret=%3Credacted%3E&b");
        assertThat(RecordedRequestsHandler.fingerprint("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/bedrock/aws4_request"))
                .startsWith("AWS4-HMAC-SHA256 sha256:").doesNotContain("AKID");
        assertThat(RecordedRequestsHandler.fingerprint("plainkey")).isEqualTo("sha256:" + RecordedRequestsHandler.sha256Prefix("plainkey"));
    }

    @Test
    void servesConcurrentStreamsCompletely() throws Exception {
        sim.setTokenDelayMs(50);
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String body = "{\"model\":\"codestral-22b\",\"prompt\":\"p" + i + "\",\"max_tokens\":10,\"stream\":true}";
                responses.add(clients.submit(() -> TestHttp.post(sim.baseUrl() + "/completions", KEY, body)));
            }
            for (Future<HttpResponse<String>> response : responses) {
                assertThat(TestHttp.chunks(response.get().body())).hasSize(10);
            }
        } finally {
            sim.setTokenDelayMs(0);
            clients.shutdownNow();
        }
        assertThat(sim.recordedRequests()).hasSize(16);
    }
}
