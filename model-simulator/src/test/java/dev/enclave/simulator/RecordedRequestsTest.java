package dev.enclave.simulator;

import static dev.enclave.simulator.TestHttp.KEY;
import static org.assertj.core.api.Assertions.assertThat;

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
