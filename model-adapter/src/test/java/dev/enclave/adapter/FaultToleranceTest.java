package dev.enclave.adapter;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.simulator.ModelSimulator;
import dev.enclave.simulator.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import static dev.enclave.adapter.GatewayCaller.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * The circuit breaker and bulkhead per model endpoint, the one retry of a refused connection, and
 * the caller's deadline, against model simulators in this JVM. Every test starts model servers of
 * its own, so that no breaker state carries from one test to the next (a guard is per endpoint,
 * and each simulator listens on a port of its own). Timings are shortened by this profile.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
@TestProfile(FaultToleranceTest.ShortTimings.class)
class FaultToleranceTest {

    static final int VOLUME = 4;
    /** Long enough that the breaker is still open while the test looks at it on a busy machine. */
    static final Duration BREAKER_DELAY = Duration.ofSeconds(5);

    public static class ShortTimings implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "enclave.adapter.model-server.circuit-breaker.request-volume-threshold", String.valueOf(VOLUME),
                    "enclave.adapter.model-server.circuit-breaker.failure-ratio", "0.5",
                    "enclave.adapter.model-server.circuit-breaker.delay", BREAKER_DELAY.toMillis() + "ms",
                    "enclave.adapter.model-server.circuit-breaker.success-threshold", "1",
                    "enclave.adapter.model-server.bulkhead.limit", "2",
                    "enclave.adapter.model-server.bulkhead.queue-size", "1",
                    "enclave.adapter.model-server.connect-retry-delay", "50ms",
                    // longer than SimulatedModelServer's 4 s, so that the callers' budgets decide
                    "enclave.adapter.read-timeout", "PT30S");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** HTTP/1.1: with h2c upgrades the JDK client holds a second request to a host until the first answered. */
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final List<ModelSimulator> started = new ArrayList<>();

    @AfterEach
    void stopModels() {
        started.forEach(ModelSimulator::close);
        started.clear();
    }

    private ModelSimulator model() {
        return model(0);
    }

    private ModelSimulator model(int port) {
        ModelSimulator simulator = ModelSimulator.start(SimulatorConfig.builder().host("127.0.0.1").port(port)
                .apiKey(SimulatedModelServer.API_KEY).models(List.of(SimulatedModelServer.MODEL)).build());
        started.add(simulator);
        return simulator;
    }

    private static Map<String, Object> completion(String endpoint) {
        return Map.of("model", Map.of("provider", "openai_compatible", "endpoint", endpoint,
                        "identifier", SimulatedModelServer.MODEL, "api_key", SimulatedModelServer.API_KEY),
                "prompt", "def add(a, b):", "max_tokens", 4);
    }

    private static Response call(ModelSimulator model) {
        return call(model.baseUrl());
    }

    private static Response call(String endpoint) {
        return given().contentType(ContentType.JSON).body(completion(endpoint)).post("/v1/completions");
    }

    private static String server(ModelSimulator model) {
        return "127.0.0.1:" + model.port();
    }

    @Test
    void aModelAnswering500RepeatedlyOpensItsBreakerWhileAnotherModelKeepsWorkingThenItRecovers()
            throws InterruptedException {
        ModelSimulator broken = model();
        ModelSimulator healthy = model();
        broken.faults().failNext(1_000, 500);

        for (int i = 0; i < VOLUME; i++) {
            call(broken).then().statusCode(502).body("error", equalTo("model_server_error"))
                    .body("model_status", equalTo(500));
        }
        assertThat(broken.recordedRequests()).hasSize(VOLUME);

        // open: refused at once, naming the model server but none of its paths, and the model sees nothing
        Response refused = call(broken);
        refused.then().statusCode(503)
                .body("error", equalTo("model_server_circuit_open"))
                .body("message", startsWith("the model server at " + server(broken)
                        + " failed repeatedly; calls resume after "))
                .body("message", containsString(" s"));
        assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, (int) BREAKER_DELAY.toSeconds());
        call(broken).then().statusCode(503).body("error", equalTo("model_server_circuit_open"));
        assertThat(broken.recordedRequests()).hasSize(VOLUME);
        // health data shows it; readiness stays up, since other models still work
        RestAssured.get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'model-servers' }.data.'http://" + server(broken) + "/v1'",
                        startsWith("OPEN"));

        // another model server is not affected
        call(healthy).then().statusCode(200).body("model", equalTo(SimulatedModelServer.MODEL));

        // the model recovers; after the delay one probe goes through, and its success closes the breaker
        broken.faults().clear();
        long until = System.nanoTime() + BREAKER_DELAY.multipliedBy(5).toNanos();
        int status;
        do {
            Thread.sleep(100);
            status = call(broken).statusCode();
            if (status == 503) {
                assertThat(broken.recordedRequests()).hasSize(VOLUME);
            }
        } while (status == 503 && System.nanoTime() < until);
        assertThat(status).isEqualTo(200);
        assertThat(broken.recordedRequests()).hasSize(VOLUME + 1);
        call(broken).then().statusCode(200);
        assertThat(broken.recordedRequests()).hasSize(VOLUME + 2);
        RestAssured.get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'model-servers' }.data.'http://" + server(broken) + "/v1'",
                        equalTo(null));
    }

    @Test
    void theCallersErrorsDoNotOpenTheBreaker() {
        ModelSimulator model = model();
        // 4xx: the request's or its key's fault, 429 included (a rate limit of one key is no broken server)
        model.faults().failNext(VOLUME * 2, 429);
        for (int i = 0; i < VOLUME * 2; i++) {
            call(model).then().statusCode(502).body("model_status", equalTo(429));
        }
        model.faults().failNext(VOLUME * 2, 400);
        for (int i = 0; i < VOLUME * 2; i++) {
            call(model).then().statusCode(502).body("model_status", equalTo(400));
        }
        call(model).then().statusCode(200);
        assertThat(model.recordedRequests()).hasSize(VOLUME * 4 + 1);
    }

    @Test
    void aHungModelFillingItsBulkheadIsRefusedAtOnceWhileAnotherModelAnswers() throws Exception {
        ModelSimulator hung = model();
        ModelSimulator healthy = model();
        hung.setLatencyMs(60_000);

        // two calls in flight (the limit) with a 10 s budget, and one waiting (the queue) with less, so
        // that its deadline passes while the others still hold their slots
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            waiting.add(send(hung.baseUrl(), 10_000));
        }
        await(() -> hung.recordedRequests().size() == 2);
        waiting.add(send(hung.baseUrl(), 5_000));
        await(() -> String.valueOf(readyData(hung)).contains("1 waiting"), () -> describe(waiting));
        assertThat(readyData(hung)).isEqualTo("CLOSED, 2 in flight, 1 waiting");

        call(hung).then().statusCode(503)
                .body("error", equalTo("model_server_busy"))
                .body("message", equalTo("too many calls in flight to the model server at " + server(hung)));
        assertThat(hung.recordedRequests()).hasSize(2);

        call(healthy).then().statusCode(200);

        // the held calls end within their deadline: timed out in flight, or still waiting for a slot
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> call : waiting) {
            statuses.add(call.get().statusCode());
        }
        assertThat(statuses.subList(0, 2)).containsOnly(504);
        assertThat(waiting.get(2).get().body()).contains("model_server_busy")
                .contains("none finished within the request's 4.50 s");
        assertThat(statuses.get(2)).isEqualTo(503);
        // every slot is given back (the two timeouts may have opened the breaker: they count as failures)
        await(() -> readyData(hung) == null || readyData(hung).endsWith(", 0 in flight, 0 waiting"));
        assertThat(hung.recordedRequests()).hasSize(2);
    }

    @Test
    void aStreamHoldsItsBulkheadSlotUntilItEnds() throws Exception {
        ModelSimulator slow = model();
        slow.setTokenDelayMs(100);
        Map<String, Object> stream = new java.util.HashMap<>(completion(slow.baseUrl()));
        stream.put("stream", true);
        stream.put("max_tokens", 20);
        List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            streams.add(sendBody(stream, 10_000));
        }
        await(() -> slow.streamStats().started() == 2);
        assertThat(readyData(slow)).isEqualTo("CLOSED, 2 in flight, 0 waiting");
        for (CompletableFuture<HttpResponse<String>> answer : streams) {
            assertThat(answer.get().statusCode()).isEqualTo(200);
            assertThat(answer.get().body()).contains("\"type\":\"done\"");
        }
        await(() -> readyData(slow) == null);
    }

    @Test
    void aRefusedConnectionIsRetriedOnceAndThenReachesTheModel() throws Exception {
        int port = closedPort();
        List<String> retries = new CopyOnWriteArrayList<>();
        List<ModelSimulator> late = new CopyOnWriteArrayList<>();
        // the model server comes up right after the first refusal (while the retry waits its 50 ms)
        Handler listener = handler(message -> {
            retries.add(message);
            if (late.isEmpty()) {
                late.add(model(port));
            }
        });
        java.util.logging.Logger egress = java.util.logging.Logger.getLogger(
                "dev.enclave.adapter.egress.EgressHttpClient");
        egress.addHandler(listener);
        try {
            call("http://127.0.0.1:" + port + "/v1").then().statusCode(200)
                    .body("model", equalTo(SimulatedModelServer.MODEL));
        } finally {
            egress.removeHandler(listener);
        }
        assertThat(retries).hasSize(1);
        assertThat(late.get(0).recordedRequests()).hasSize(1);
    }

    @Test
    void aConnectionRefusedTwiceIsUnreachableAfterExactlyOneRetry() throws Exception {
        int port = closedPort();
        List<String> retries = new CopyOnWriteArrayList<>();
        Handler listener = handler(retries::add);
        java.util.logging.Logger egress = java.util.logging.Logger.getLogger(
                "dev.enclave.adapter.egress.EgressHttpClient");
        egress.addHandler(listener);
        try {
            call("http://127.0.0.1:" + port + "/v1").then().statusCode(502)
                    .body("error", equalTo("model_server_unreachable"));
        } finally {
            egress.removeHandler(listener);
        }
        assertThat(retries).hasSize(1);
    }

    @Test
    void aModelThatFailedAfterTheRequestWentOutIsNeverRetried() {
        ModelSimulator model = model();
        model.faults().failNext(1, 500);
        call(model).then().statusCode(502).body("model_status", equalTo(500));
        assertThat(model.recordedRequests()).hasSize(1);

        // the connection closes after the request was sent: it may have run, so it is not repeated
        model.clearRecorded();
        model.faults().dropNext(1);
        call(model).then().statusCode(502).body("error", equalTo("model_server_unreachable"));
        assertThat(model.recordedRequests()).hasSize(1);
    }

    @Test
    void theDeadlineHeaderLessTheMarginBoundsTheModelCall() {
        ModelSimulator slow = model();
        slow.setLatencyMs(3_000);
        given().contentType(ContentType.JSON).header("X-Enclave-Timeout-Ms", "600")
                .body(completion(slow.baseUrl())).post("/v1/completions")
                .then().statusCode(504).body("error", equalTo("model_server_timeout"))
                .body("message", containsString("did not answer within 0.50 s"));

        // the smaller of the header and timeout_ms wins
        Map<String, Object> body = new java.util.HashMap<>(completion(slow.baseUrl()));
        body.put("timeout_ms", 400);
        given().contentType(ContentType.JSON).header("X-Enclave-Timeout-Ms", "2000").body(body)
                .post("/v1/completions")
                .then().statusCode(504).body("message", containsString("did not answer within 0.30 s"));
        body.put("timeout_ms", 2_000);
        given().contentType(ContentType.JSON).header("X-Enclave-Timeout-Ms", "700").body(body)
                .post("/v1/completions")
                .then().statusCode(504).body("message", containsString("did not answer within 0.60 s"));

        given().contentType(ContentType.JSON).header("X-Enclave-Timeout-Ms", "soon")
                .body(completion(slow.baseUrl())).post("/v1/completions")
                .then().statusCode(422).body("error", equalTo("invalid_request"))
                .body("message", equalTo("X-Enclave-Timeout-Ms must be a positive whole number of milliseconds"));
    }

    @Test
    void readinessIsUpWithKeysAndAFreshRevocationList() {
        RestAssured.get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'verification-keys' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'revocation-list' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'revocation-list' }.data.polled", equalTo(true));
    }

    /** The model-servers health entry of one simulator's endpoint, or null when it is not listed. */
    private static String readyData(ModelSimulator model) {
        return RestAssured.get("/q/health/ready").then().extract()
                .path("checks.find { it.name == 'model-servers' }.data.'http://" + server(model) + "/v1'");
    }

    private static CompletableFuture<HttpResponse<String>> send(String endpoint, long budgetMillis) {
        return sendBody(completion(endpoint), budgetMillis);
    }

    private static CompletableFuture<HttpResponse<String>> sendBody(Map<String, Object> body, long budgetMillis) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port
                            + "/v1/completions"))
                    .header("Authorization", "Bearer " + TestTokens.valid())
                    .header("Content-Type", "application/json")
                    .header("X-Enclave-Timeout-Ms", String.valueOf(budgetMillis))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                    .build();
            return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        await(condition, () -> "");
    }

    private static String describe(List<CompletableFuture<HttpResponse<String>>> calls) {
        StringBuilder text = new StringBuilder();
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            text.append(call.isDone() ? call.join().statusCode() + " " + call.join().body() : "pending").append("; ");
        }
        return text.toString();
    }

    private static void await(BooleanSupplier condition, java.util.function.Supplier<String> state)
            throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("condition not met within 10 s; calls: " + state.get() + " readiness: "
                        + RestAssured.get("/q/health/ready").asString());
            }
            Thread.sleep(20);
        }
    }

    /** A port nothing listens on: connecting to it is refused. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Hears the egress client's "retrying once" log line, synchronously, before the retry is made. */
    private static Handler handler(java.util.function.Consumer<String> onRetry) {
        return new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = record.getMessage() == null ? "" : String.valueOf(record.getMessage());
                if (message.contains("retrying once")) {
                    onRetry.accept(message);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
    }
}
