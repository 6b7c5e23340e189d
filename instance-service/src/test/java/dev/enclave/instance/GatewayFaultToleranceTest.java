package dev.enclave.instance;

import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The instance → AI gateway hop under failure: the request's budget (shortened here to 2 s for
 * code suggestions) bounds a hung or slow gateway and travels as {@code X-Enclave-Timeout-Ms}; chat's
 * budget is the AI settings' {@code ai_gateway_timeout_seconds} instead; hung calls hold no capacity
 * the rest of the API needs; the bulkhead refuses at once when full; the circuit breaker is per
 * gateway URL. No 503 names an internal address.
 */
@QuarkusTest
@TestProfile(GatewayFaultToleranceTest.ShortBudget.class)
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class GatewayFaultToleranceTest {

    static final int BULKHEAD = 50;

    public static class ShortBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("enclave.instance.gateway-timeout", "PT2S"),
                    Map.entry("enclave.instance.gateway.deadline-margin", "250ms"),
                    Map.entry("enclave.instance.gateway.bulkhead.limit", Integer.toString(BULKHEAD)),
                    Map.entry("enclave.instance.gateway.bulkhead.queue-size", "1"),
                    Map.entry("enclave.instance.gateway.circuit-breaker.request-volume-threshold", "4"),
                    Map.entry("enclave.instance.gateway.circuit-breaker.failure-ratio", "0.5"),
                    Map.entry("enclave.instance.gateway.circuit-breaker.delay", "60s"),
                    Map.entry("enclave.instance.rate-limits.code-suggestions.requests", "1000"),
                    Map.entry("enclave.instance.rate-limits.chat.requests", "1000"));
        }
    }

    /** Guards against a hang; not a speed bound (the default budget would be 55 s). */
    static final long GUARD_SECONDS = 30;

    @Inject
    TestData data;

    @Inject
    dev.enclave.instance.service.AiTokenCache aiTokens;

    @TestHTTPResource("/api/v4/chat/completions")
    URI chat;

    final List<StreamingFakeGateway> fakes = new ArrayList<>();
    String token;
    String admin;

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"token\":\"h.p.s\",\"expires_at\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")));
        aiTokens.invalidateAll();
        User user = data.user(User.ACTIVE);
        data.giveDuoSeat(user);
        token = data.token(user, Set.of("ai_features"), LocalDate.now().plusDays(1));
        admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        SelfHostedModel model = data.model("key");
        data.route("code_completions", model);
        data.route("duo_chat", model);
    }

    @AfterEach
    void tearDown() throws Exception {
        gatewayAt("");
        for (StreamingFakeGateway fake : fakes) {
            fake.answerHung();
            fake.close();
        }
    }

    /** A gateway of its own per test: a new origin, so a new breaker and bulkhead. */
    private StreamingFakeGateway fake(StreamingFakeGateway.Mode mode) throws Exception {
        StreamingFakeGateway fake = new StreamingFakeGateway();
        fake.reset(mode);
        fakes.add(fake);
        return fake;
    }

    private void gatewayAt(String url) {
        given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON).body(Map.of("ai_gateway_url", url))
                .put("/api/v4/admin/ai/settings").then().statusCode(200);
    }

    private Response complete() {
        return given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x")))
                .post("/api/v4/code_suggestions/completions");
    }

    private CompletableFuture<HttpResponse<String>> chatAsync(HttpClient client) {
        return client.sendAsync(HttpRequest.newBuilder(chat).header("PRIVATE-TOKEN", token)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"hi\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(guard);
            Thread.sleep(20);
        }
    }

    /** A 503 in GitLab's shape that says what happened to the AI gateway and nothing internal. */
    private static void assertServiceUnavailable(Response response, String message) {
        response.then().statusCode(503).header("X-GitLab-Error-Origin", "monolith")
                .body("message", equalTo("503 Service Unavailable - " + message));
        assertThat(response.asString()).doesNotContain("127.0.0.1", "http:", "localhost", "Exception");
    }

    @Test
    void aHungGatewayIsA503NamingItWhenTheBudgetRunsOut() throws Exception {
        StreamingFakeGateway hung = fake(StreamingFakeGateway.Mode.HANG);
        gatewayAt(hung.url());

        long started = System.nanoTime();
        Response response = complete();
        long elapsedSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);

        assertServiceUnavailable(response, "AI gateway did not answer within 2 s");
        assertThat(elapsedSeconds).as("answered by the test budget, not the 55 s default").isLessThan(GUARD_SECONDS);
        // The gateway was told less than the budget (what remained minus the margin)...
        assertThat(hung.timeoutHeaders).hasSize(1);
        long told = Long.parseLong(hung.timeoutHeaders.get(0));
        assertThat(told).isPositive().isLessThanOrEqualTo(2000 - 250);
        // ...and the instance closed its connection when the budget ran out.
        hung.connectionClosed.get(GUARD_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void aSlowGatewayIsA503WhenTheBudgetRunsOutAndItsLateAnswerIsNotPassedOn() {
        // A gateway that does answer, 200 and a body, but only after the budget (2 s) ran out.
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/slow/v2/code/completions")).willReturn(aResponse()
                .withFixedDelay(6_000).withHeader("Content-Type", "application/json")
                .withBody("{\"choices\":[{\"text\":\"too late\",\"index\":0}]}")));
        gatewayAt(wireMockGateway("/slow"));

        long started = System.nanoTime();
        Response response = complete();
        long elapsedSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);

        assertServiceUnavailable(response, "AI gateway did not answer within 2 s");
        assertThat(response.asString()).doesNotContain("too late");
        assertThat(elapsedSeconds).as("answered by the test budget, not the 55 s default").isLessThan(GUARD_SECONDS);
        List<com.github.tomakehurst.wiremock.verification.LoggedRequest> calls = FakeTokenServiceAndGateway.server
                .findAll(postRequestedFor(urlEqualTo("/slow/v2/code/completions")));
        assertThat(calls).hasSize(1);
        assertThat(Long.parseLong(calls.get(0).getHeader("X-Enclave-Timeout-Ms")))
                .isPositive().isLessThanOrEqualTo(2000 - 250);
    }

    /**
     * Chat's budget is the AI settings' {@code ai_gateway_timeout_seconds}, not
     * {@code enclave.instance.gateway-timeout} (2 s here): a gateway answering after 3 s is answered,
     * and what the gateway is told follows the setting (the margin at these budgets is its 2 s cap).
     * The same deadline bounds the instance's own wait (AiGatewayClient: ifNoItem, idle timeout and
     * the bulkhead permit's timer all take Deadline.remainingMillis()).
     */
    @Test
    void chatsBudgetIsTheAiSettingsTimeoutAndTheGatewayIsToldWhatRemainsOfIt() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/chat-gateway/v2/chat/agent")).willReturn(aResponse()
                .withFixedDelay(3_000).withHeader("Content-Type", "application/x-ndjson")
                .withBody("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"ok\"}}\n")));
        gatewayAt(wireMockGateway("/chat-gateway"));
        try {
            long atSixty = chatTimeoutHeaderWith(60);
            assertThat(atSixty).as("60 s less the 2 s margin, less what the request spent before the call")
                    .isLessThanOrEqualTo(60_000 - 2_000).isGreaterThan(60_000 - 2_000 - GUARD_SECONDS * 1000);

            long atSixHundred = chatTimeoutHeaderWith(600);
            assertThat(atSixHundred).as("600 s less the 2 s margin, less what the request spent before the call")
                    .isLessThanOrEqualTo(600_000 - 2_000).isGreaterThan(600_000 - 2_000 - GUARD_SECONDS * 1000);
        } finally {
            aiGatewayTimeoutSeconds(60);
        }
    }

    /** Sets {@code ai_gateway_timeout_seconds}, chats once, and returns the X-Enclave-Timeout-Ms the gateway got. */
    private long chatTimeoutHeaderWith(int seconds) {
        aiGatewayTimeoutSeconds(seconds);
        FakeTokenServiceAndGateway.server.resetRequests();
        Response answer = given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("content", "hi")).post("/api/v4/chat/completions");
        answer.then().statusCode(201);
        assertThat(answer.asString()).isEqualTo("\"ok\"");
        List<com.github.tomakehurst.wiremock.verification.LoggedRequest> calls = FakeTokenServiceAndGateway.server
                .findAll(postRequestedFor(urlEqualTo("/chat-gateway/v2/chat/agent")));
        assertThat(calls).hasSize(1);
        return Long.parseLong(calls.get(0).getHeader("X-Enclave-Timeout-Ms"));
    }

    private void aiGatewayTimeoutSeconds(int seconds) {
        given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON)
                .body(Map.of("ai_gateway_timeout_seconds", seconds))
                .put("/api/v4/admin/ai/settings").then().statusCode(200).body("ai_gateway_timeout_seconds", equalTo(seconds));
    }

    private static String wireMockGateway(String prefix) {
        return "http://127.0.0.1:" + FakeTokenServiceAndGateway.server.port() + prefix;
    }

    @Test
    void theBudgetCoversAStreamToo() throws Exception {
        StreamingFakeGateway endless = fake(StreamingFakeGateway.Mode.ENDLESS);
        gatewayAt(endless.url());
        HttpRequest request = HttpRequest.newBuilder(chat.resolve("/api/v4/code_suggestions/completions"))
                .header("PRIVATE-TOKEN", token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true,\"current_file\":{\"file_name\":\"a.py\","
                        + "\"content_above_cursor\":\"x\"}}")).build();
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient()
                .sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).get(GUARD_SECONDS, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        // The gateway sends one chunk and never ends: the budget (2 s) ends the stream and closes
        // the gateway connection.
        byte[] received = CompletableFuture.supplyAsync(() -> {
            java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
            try (java.io.InputStream in = response.body()) {
                in.transferTo(seen);
            } catch (java.io.IOException e) {
                // an abrupt end is how a raw text stream says it was cut
            }
            return seen.toByteArray();
        }).get(GUARD_SECONDS, TimeUnit.SECONDS);
        assertThat(new String(received, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("first");
        endless.connectionClosed.get(GUARD_SECONDS, TimeUnit.SECONDS);
        assertThat(Long.parseLong(endless.timeoutHeaders.get(0))).isPositive().isLessThanOrEqualTo(2000 - 250);
    }

    @Test
    void hungCallsTakeNothingFromTheRestOfTheApiAndAFullBulkheadRefusesAtOnce() throws Exception {
        StreamingFakeGateway hung = fake(StreamingFakeGateway.Mode.HANG);
        gatewayAt(hung.url());
        HttpClient client = HttpClient.newHttpClient();

        // Chat's budget is the AI settings' timeout (60 s at least): these stay hung for the test.
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < BULKHEAD; i++) {
            inFlight.add(chatAsync(client));
        }
        await("all calls reached the gateway", () -> hung.hung.size() == BULKHEAD);
        // One more waits in the bulkhead's queue (size 1)...
        CompletableFuture<HttpResponse<String>> queued = chatAsync(client);

        // The rest of the instance API answers meanwhile.
        for (int i = 0; i < 5; i++) {
            given().header("PRIVATE-TOKEN", token).get("/api/v4/user").then().statusCode(200);
        }
        // ...and the next is refused at once, while the others still hang.
        Response full = given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("content", "hi")).post("/api/v4/chat/completions");
        assertServiceUnavailable(full, "AI gateway has too many requests in progress from this instance; retry later");
        full.then().header("Retry-After", equalTo("1"));
        assertThat(inFlight).noneMatch(CompletableFuture::isDone);
        assertThat(queued).isNotDone();
        assertThat(hung.paths).hasSize(BULKHEAD);
        // Chat's budget is the AI settings' timeout (60 s by default), told to the gateway less the margin.
        assertThat(hung.timeoutHeaders).allSatisfy(told ->
                assertThat(Long.parseLong(told)).isPositive().isLessThanOrEqualTo(60_000 - 250));

        // The gateway answers: every caller gets its answer, the queued one too.
        hung.answerHung();
        for (CompletableFuture<HttpResponse<String>> call : inFlight) {
            HttpResponse<String> answer = call.get(GUARD_SECONDS, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(201);
            assertThat(answer.body()).isEqualTo("\"ok\"");
        }
        assertThat(queued.get(GUARD_SECONDS, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
    }

    @Test
    void theBreakerIsPerGatewayUrl() throws Exception {
        StreamingFakeGateway broken = fake(StreamingFakeGateway.Mode.RESET);
        StreamingFakeGateway healthy = fake(StreamingFakeGateway.Mode.ANSWER);
        gatewayAt(broken.url());
        for (int i = 0; i < 4; i++) {
            assertServiceUnavailable(complete(), "AI gateway is unreachable");
        }
        assertThat(broken.paths).hasSize(4);

        // Open: refused without calling the broken gateway, saying when to retry (the breaker's delay).
        Response open = complete();
        assertServiceUnavailable(open, "AI gateway is unavailable after repeated failures; retry in 60 s");
        open.then().header("Retry-After", equalTo("60"));
        assertThat(broken.paths).hasSize(4);

        // Another gateway URL has its own breaker.
        gatewayAt(healthy.url());
        complete().then().statusCode(200).body("choices[0].text", equalTo("ok"));
        assertThat(healthy.timeoutHeaders).hasSize(1);

        gatewayAt(broken.url());
        assertServiceUnavailable(complete(), "AI gateway is unavailable after repeated failures; retry in 60 s");
        assertThat(broken.paths).hasSize(4);
    }

    @Test
    void budgetsRunningOutDoNotOpenTheBreaker() throws Exception {
        StreamingFakeGateway hung = fake(StreamingFakeGateway.Mode.HANG);
        gatewayAt(hung.url());
        HttpClient client = HttpClient.newHttpClient();
        // More calls than the breaker's volume threshold (4), all at once, each running out of its
        // request's own budget: a burst to a hung model, not a gateway that cannot be reached.
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(client.sendAsync(HttpRequest.newBuilder(chat.resolve("/api/v4/code_suggestions/completions"))
                    .header("PRIVATE-TOKEN", token).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(GUARD_SECONDS))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"current_file\":{\"file_name\":\"a.py\",\"content_above_cursor\":\"x\"}}"))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> answer = call.get(GUARD_SECONDS, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(503);
            assertThat(answer.body()).contains("AI gateway did not answer within 2 s");
        }
        assertThat(hung.paths).hasSize(6);

        // The breaker stayed closed: the next call to the same gateway URL is made (and answered).
        hung.answerHung();
        complete().then().statusCode(200).body("choices[0].text", equalTo("ok"));
        assertThat(hung.paths).hasSize(7);
    }

    @Test
    void gatewayErrorStatusesStillPassThrough() throws Exception {
        StreamingFakeGateway refusing = fake(StreamingFakeGateway.Mode.REFUSE);
        gatewayAt(refusing.url());
        for (int i = 0; i < 6; i++) {
            complete().then().statusCode(421).body("detail", equalTo("401: model server refused the API key"));
        }
        // A gateway that answers, whatever the status, is alive: its breaker stays closed.
        assertThat(refusing.paths).hasSize(6);
    }
}
