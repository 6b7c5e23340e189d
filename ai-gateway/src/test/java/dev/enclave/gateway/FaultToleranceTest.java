package dev.enclave.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.enclave.gateway.client.ModelAdapterClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The policy on model-adapter calls, with short timings from a test profile: the caller's deadline
 * ({@code X-Enclave-Timeout-Ms}) bounds the call and is passed on less the margin; the circuit
 * breaker opens on model-adapter's own failures only (a 500 of its own, a dropped connection, no
 * answer in time), then fails fast without calling it, and closes again after its delay once a probe
 * succeeds; the bulkhead refuses at once when full. No 503 shows an address or exception text.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
@TestProfile(FaultToleranceTest.ShortTimings.class)
class FaultToleranceTest {

    public static class ShortTimings implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "enclave.gateway.adapter.circuit-breaker.request-volume-threshold", "4",
                    "enclave.gateway.adapter.circuit-breaker.failure-ratio", "0.5",
                    "enclave.gateway.adapter.circuit-breaker.delay", "PT3S",
                    "enclave.gateway.adapter.circuit-breaker.success-threshold", "1",
                    "enclave.gateway.adapter.bulkhead.limit", "2",
                    "enclave.gateway.adapter.bulkhead.queue-size", "1");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADAPTER_COMPLETIONS = "/adapter/v1/completions";
    private static final String OK = "{\"text\":\"return a + b\",\"finish_reason\":\"stop\",\"model\":\"codestral-22b\"}";

    @Inject
    CircuitBreakerMaintenance breakers;
    @Inject
    ModelAdapterClient adapter;

    @BeforeEach
    void closedBreakerAndAnsweringAdapter() {
        // each test starts from a closed breaker with an empty window, whatever the one before left
        // (the client builds its named breaker when it is first used)
        adapter.callsInFlight();
        breakers.reset(ModelAdapterClient.BREAKER);
        adapterAnswers(200, OK);
        FakeIssuerAndAdapter.server.resetRequests();
    }

    private static void adapterAnswers(int status, String body) {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(ADAPTER_COMPLETIONS)).willReturn(aResponse()
                .withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
    }

    private static void adapterDrops() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(ADAPTER_COMPLETIONS))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    }

    private static RequestSpecification caller() {
        return given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(List.of("complete_code", "duo_chat")))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID);
    }

    private static Response complete() {
        return caller().body(CodeCompletionsAuthTest.BODY).post("/v2/code/completions");
    }

    private static int adapterCalls() {
        return FakeIssuerAndAdapter.server.findAll(postRequestedFor(urlEqualTo(ADAPTER_COMPLETIONS))).size();
    }

    /** A 503 names model-adapter and nothing internal: no address, no exception. */
    private static void assertClean503(Response response, String detail) {
        response.then().statusCode(503).body("detail", equalTo(detail));
        assertThat(response.asString()).doesNotContain("127.0.0.1", "http", "Exception", "localhost");
    }

    @Test
    void theCallersDeadlineBoundsTheCallAndIsPassedOnLessTheMargin() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(ADAPTER_COMPLETIONS)).willReturn(aResponse()
                .withFixedDelay(15_000).withHeader("Content-Type", "application/json").withBody(OK)));

        long started = System.nanoTime();
        Response response = caller().header("X-Enclave-Timeout-Ms", "800").body(CodeCompletionsAuthTest.BODY)
                .post("/v2/code/completions");
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertClean503(response, "model-adapter did not answer within 0.80 s");
        // the gateway gave up at the caller's deadline, not at model-adapter's 15 s nor its own 60 s default
        assertThat(tookMs).isBetween(700L, 5_000L);
        List<LoggedRequest> sent = FakeIssuerAndAdapter.server.findAll(postRequestedFor(urlEqualTo(ADAPTER_COMPLETIONS)));
        assertThat(sent).hasSize(1);
        long passedOn = Long.parseLong(sent.get(0).getHeader("X-Enclave-Timeout-Ms"));
        assertThat(passedOn).isBetween(1L, 550L);
        assertThat(sent.get(0).getBodyAsString()).contains("\"timeout_ms\":" + passedOn);
    }

    @Test
    void withoutADeadlineHeaderTheDefaultBudgetIsPassedOn() {
        complete().then().statusCode(200);

        long passedOn = Long.parseLong(FakeIssuerAndAdapter.server.findAll(
                postRequestedFor(urlEqualTo(ADAPTER_COMPLETIONS))).get(0).getHeader("X-Enclave-Timeout-Ms"));
        // 60 s less the 250 ms margin, less the little the gateway spent
        assertThat(passedOn).isBetween(55_000L, 59_750L);
    }

    @Test
    void theBreakerOpensOnTheAdaptersOwnFailuresFailsFastAndClosesWhenItRecovers() throws Exception {
        adapterAnswers(500, "{\"error\":\"internal\",\"message\":\"NullPointerException at http://10.1.1.1:8082\"}");
        assertClean503(complete(), "model-adapter failed: HTTP 500");
        assertClean503(complete(), "model-adapter failed: HTTP 500");
        adapterDrops();
        assertClean503(complete(), "model-adapter is unreachable");
        assertClean503(complete(), "model-adapter is unreachable");
        assertThat(adapterCalls()).isEqualTo(4);
        assertThat(adapter.breakerState()).isEqualTo(CircuitBreakerState.OPEN);

        // open: refused at once, model-adapter is not called
        assertClean503(complete(), "model-adapter is unavailable: calls are paused after repeated failures");
        assertClean503(complete(), "model-adapter is unavailable: calls are paused after repeated failures");
        assertThat(adapterCalls()).isEqualTo(4);
        // an open breaker is health data, not unreadiness: one model-adapter outage must not empty the pool
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'ai-gateway' }.data.model_adapter_circuit_breaker", equalTo("OPEN"));

        // model-adapter recovers; after the 3 s delay a probe goes through and closes the breaker
        adapterAnswers(200, OK);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Response response = complete();
        while (response.statusCode() == 503 && System.nanoTime() < until) {
            Thread.sleep(100);
            response = complete();
        }
        response.then().statusCode(200).body("choices[0].text", equalTo("return a + b"));
        assertThat(adapter.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
        complete().then().statusCode(200);
        assertThat(adapterCalls()).isEqualTo(6);
    }

    @Test
    void aStaleRevocationListAtModelAdapterIsA503NamingTheHopNotCountedByTheBreaker() {
        // model-adapter's own answer (CallerAuthenticationFilter) when its revocation list is too old
        adapterAnswers(503, "{\"error\":\"revocation_list_stale\",\"message\":\"the revocation list was last"
                + " fetched from token-service 75 s ago, longer than enclave.adapter.revocation-max-staleness (60 s),"
                + " so no token can be honoured until a poll succeeds\"}");
        for (int i = 0; i < 6; i++) {
            Response response = complete();
            assertClean503(response, ModelAdapterClient.REVOCATION_STALE_DETAIL);
            assertThat(response.asString()).doesNotContain("75 s", "enclave.adapter");
        }
        // more than the breaker's request volume (4), every one still sent: the breaker stayed closed
        assertThat(adapterCalls()).isEqualTo(6);
        assertThat(adapter.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void aModelServersFailuresDoNotOpenTheBreaker() {
        adapterAnswers(502, "{\"error\":\"model_server_error\",\"message\":\"model server at "
                + "http://10.0.0.7:8000/v1/completions answered 500: Internal Server Error\",\"model_status\":500}");
        for (int i = 0; i < 6; i++) {
            complete().then().statusCode(421).body("detail",
                    equalTo("500: model server at http://10.0.0.7:8000/v1/completions answered 500: Internal Server Error"));
        }
        adapterAnswers(504, "{\"error\":\"model_server_timeout\",\"message\":\"model server at "
                + "http://10.0.0.7:8000/v1/completions did not answer within 55 s\"}");
        for (int i = 0; i < 4; i++) {
            complete().then().statusCode(421);
        }
        // every call reached model-adapter: one broken model does not stop the others
        assertThat(adapterCalls()).isEqualTo(10);
        assertThat(adapter.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
    }

    @Test
    void aFullBulkheadRefusesAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        FakeStreamingAdapter.script("held-1").delta("a").await(release).done("stop");
        FakeStreamingAdapter.script("held-2").delta("b").await(release).done("stop");
        // the two streams hold both slots until released (each answered its first piece)
        try (RawHttp first = RawHttp.post("/v2/code/completions", List.of("complete_code"), streamed("held-1"));
             RawHttp second = RawHttp.post("/v2/code/completions", List.of("complete_code"), streamed("held-2"))) {
            assertThat(adapter.callsInFlight()).isEqualTo(2);

            // two more: one waits in the queue (one place), the other finds it full and is refused at once
            CompletableFuture<Response> third = CompletableFuture.supplyAsync(FaultToleranceTest::complete);
            CompletableFuture<Response> fourth = CompletableFuture.supplyAsync(FaultToleranceTest::complete);
            Response refused = (Response) CompletableFuture.anyOf(third, fourth).get(10, TimeUnit.SECONDS);
            assertClean503(refused, "model-adapter is busy: too many calls in flight");
            CompletableFuture<Response> queued = refused == third.getNow(null) ? fourth : third;
            assertThat(queued).isNotDone();

            release.countDown();
            assertThat(new String(first.readRest(), StandardCharsets.UTF_8)).isEqualTo("a");
            assertThat(new String(second.readRest(), StandardCharsets.UTF_8)).isEqualTo("b");
            queued.get(10, TimeUnit.SECONDS).then().statusCode(200).body("choices[0].text", equalTo("return a + b"));
        }
    }

    @Test
    void theDeadlineBoundsAWholeStreamAndEndsTheChatWithAnErrorEvent() throws Exception {
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script("slow-chat").delta("Use ").awaitClose();

        // long enough for a first delta from a cold application on a busy machine
        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"), chat("slow-chat"),
                Map.of("X-Enclave-Timeout-Ms", "2000"))) {
            assertThat(response.status).isEqualTo(200);
            assertThat(new String(response.readRest(), StandardCharsets.UTF_8)).isEqualTo(
                    "{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"Use \"}}\n"
                            + "{\"type\":\"error\",\"data\":{\"message\":\"model-adapter did not finish the answer "
                            + "within 2 s\",\"retryable\":true}}\n");
        }
        // the gateway closed model-adapter's connection at the deadline
        assertThat(script.gatewayClosed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(Long.parseLong(script.requestHeaders.get("x-enclave-timeout-ms"))).isBetween(1L, 1750L);
        assertThat(JSON.readTree(script.requestBody).path("timeout_ms").asLong())
                .isEqualTo(Long.parseLong(script.requestHeaders.get("x-enclave-timeout-ms")));
    }

    @Test
    void aStreamWithNoAnswerByTheDeadlineIs503() throws Exception {
        FakeStreamingAdapter.script("silent-stream").awaitClose();

        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"), streamed("silent-stream"),
                Map.of("X-Enclave-Timeout-Ms", "600"))) {
            assertThat(response.status).isEqualTo(503);
            String body = new String(response.readRest(), StandardCharsets.UTF_8);
            JsonNode detail = JSON.readTree(body).path("detail");
            assertThat(detail.asText()).isEqualTo("model-adapter did not answer within 0.60 s");
            assertThat(body).doesNotContain("127.0.0.1", "http", "Exception");
        }
    }

    @Test
    void theRequestsOwnDeadlineRunningOutDoesNotOpenTheBreaker() throws Exception {
        FakeStreamingAdapter.Script hung = FakeStreamingAdapter.script("hung-model").hangJson();

        // four calls in a window of four, each hung until its deadline: before, each counted as
        // model-adapter failing and opened the breaker for every model
        for (int i = 0; i < 4; i++) {
            assertClean503(caller().header("X-Enclave-Timeout-Ms", "500").body(json("hung-model"))
                    .post("/v2/code/completions"), "model-adapter did not answer within 0.50 s");
        }
        assertThat(adapter.breakerState()).isEqualTo(CircuitBreakerState.CLOSED);
        assertThat(hung.calls.get()).isEqualTo(4);
        complete().then().statusCode(200);
    }

    @Test
    void aHungCallsConnectionIsClosedAtItsDeadlineAndTheNextCallGetsOneAtOnce() throws Exception {
        FakeStreamingAdapter.Script hung = FakeStreamingAdapter.script("hung-json").hangJson();
        String body = json("hung-json");

        // the bulkhead's two slots, both hung (a third would wait in the queue and never be sent)
        CompletableFuture<Response> first = CompletableFuture.supplyAsync(() -> caller()
                .header("X-Enclave-Timeout-Ms", "1000").body(body).post("/v2/code/completions"));
        CompletableFuture<Response> second = CompletableFuture.supplyAsync(() -> caller()
                .header("X-Enclave-Timeout-Ms", "1000").body(body).post("/v2/code/completions"));
        assertClean503(first.get(10, TimeUnit.SECONDS), "model-adapter did not answer within 1 s");
        assertClean503(second.get(10, TimeUnit.SECONDS), "model-adapter did not answer within 1 s");

        // model-adapter sees both connections closed at the deadline, not after the 60 s read timeout
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (hung.closedWhileHanging.get() < 2 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(hung.closedWhileHanging.get()).isEqualTo(2);
        assertThat(adapter.callsInFlight()).isZero();
        // and the next call is answered (it gets a slot and a connection), well within its own budget
        caller().header("X-Enclave-Timeout-Ms", "5000").body(CodeCompletionsAuthTest.BODY)
                .post("/v2/code/completions").then().statusCode(200);
    }

    /** A JSON (not streamed) code completion for {@code custom_openai/<identifier>}. */
    private static String json(String identifier) throws Exception {
        return JSON.writeValueAsString(Map.of(
                "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    "),
                "model_provider", "litellm",
                "model_endpoint", "http://127.0.0.1:9/v1",
                "model_identifier", "custom_openai/" + identifier,
                "model_name", "codestral"));
    }

    private static String streamed(String identifier) throws Exception {
        return JSON.writeValueAsString(Map.of(
                "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    "),
                "model_provider", "litellm",
                "model_endpoint", "http://127.0.0.1:9/v1",
                "model_identifier", "custom_openai/" + identifier,
                "model_name", "codestral",
                "stream", true));
    }

    private static String chat(String identifier) throws Exception {
        return JSON.writeValueAsString(Map.of(
                "messages", List.of(Map.of("role", "user", "content", "How do I revert a commit?")),
                "model_metadata", Map.of("provider", "litellm", "name", "mistral", "endpoint", "http://127.0.0.1:9/v1",
                        "api_key", "k", "identifier", "custom_openai/" + identifier)));
    }
}
