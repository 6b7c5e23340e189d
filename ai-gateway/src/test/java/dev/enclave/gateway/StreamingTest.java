package dev.enclave.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.gateway.client.ModelAdapterClient;
import dev.enclave.gateway.health.HttpRequestsInFlight;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code stream: true} end to end against a scripted model-adapter stream: the raw bytes on the
 * wire, chunks leaving as they arrive, failures mid-stream, a client that goes away, and a client
 * that stops reading.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class StreamingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ModelAdapterClient adapterClient;
    @Inject
    HttpRequestsInFlight httpRequests;

    /** Waits (10 s at most) for a count that is released asynchronously to come down to 0; returns the last value. */
    private static int settlesAtZero(IntSupplier count) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int value = count.getAsInt();
        while (value != 0 && System.nanoTime() < until) {
            Thread.sleep(20);
            value = count.getAsInt();
        }
        return value;
    }

    private static String codeRequest(String identifier, String family) throws Exception {
        return JSON.writeValueAsString(Map.of(
                "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    "),
                "model_provider", "litellm",
                "model_endpoint", "http://127.0.0.1:9/v1",
                "model_identifier", "custom_openai/" + identifier,
                "model_name", family,
                "stream", true));
    }

    private static String chatRequest(String identifier) throws Exception {
        return JSON.writeValueAsString(Map.of(
                "messages", List.of(Map.of("role", "user", "content", "How do I revert a commit?")),
                "model_metadata", Map.of("provider", "litellm", "name", "mistral", "endpoint", "http://127.0.0.1:9/v1",
                        "api_key", "k", "identifier", "custom_openai/" + identifier)));
    }

    private static String agentDelta(String text) throws Exception {
        return "{\"type\":\"final_answer_delta\",\"data\":{\"text\":" + JSON.writeValueAsString(text) + "}}\n";
    }

    @Test
    void aStreamedCompletionIsTheRawTextOfTheDeltasAsEventStream() throws Exception {
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script("stream-raw")
                .delta("return ").delta("a + b").delta(" # é✓").done("stop");

        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"),
                codeRequest("stream-raw", "codestral"))) {
            assertThat(response.status).isEqualTo(200);
            assertThat(response.headers.get("content-type")).startsWith("text/event-stream");
            // the exact bytes: the deltas joined, no SSE "data:" framing, no added newlines
            assertThat(response.readRest()).isEqualTo("return a + b # é✓".getBytes(StandardCharsets.UTF_8));
            assertThat(response.headers.get("x-request-id")).isEqualTo(script.requestHeaders.get("x-request-id"));
        }
        JsonNode call = JSON.readTree(script.requestBody);
        assertThat(call.path("stream").asBoolean()).isTrue();
        assertThat(call.path("prompt").asText()).contains("[PREFIX]def add(a, b):");
        assertThat(script.requestHeaders.get("x-request-id")).startsWith("req-");
        assertThat(script.requestHeaders.get("authorization")).isEqualTo("Bearer " + FakeIssuerAndAdapter.ADAPTER_TOKEN);
    }

    @Test
    void aStreamedGenerationIsRawTextToo() throws Exception {
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script("stream-generation")
                .delta("def add(a, b):\n").delta("    return a + b\n").done("stop");

        try (RawHttp response = RawHttp.post("/v2/code/generations", List.of("generate_code"),
                codeRequest("stream-generation", "mistral"))) {
            assertThat(response.status).isEqualTo(200);
            assertThat(response.headers.get("content-type")).startsWith("text/event-stream");
            assertThat(new String(response.readRest(), StandardCharsets.UTF_8))
                    .isEqualTo("def add(a, b):\n    return a + b\n");
        }
        assertThat(JSON.readTree(script.requestBody).path("messages").get(0).path("role").asText()).isEqualTo("system");
    }

    @Test
    void eachChunkLeavesAsItArrivesNotWhenTheAnswerIsComplete() throws Exception {
        CountDownLatch firstChunkRead = new CountDownLatch(1);
        FakeStreamingAdapter.script("stream-incremental")
                .delta("return ").await(firstChunkRead).delta("a + b").done("stop");

        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"),
                codeRequest("stream-incremental", "codestral"))) {
            // the fake cannot send its second delta until this read has returned the first
            assertThat(response.readUntil(new StringBuilder(), "return ")).isEqualTo("return ");
            firstChunkRead.countDown();
            assertThat(new String(response.readRest(), StandardCharsets.UTF_8)).isEqualTo("a + b");
        }
    }

    @Test
    void chatAnswersOneFinalAnswerDeltaLinePerDeltaAsTheyArrive() throws Exception {
        CountDownLatch firstLineRead = new CountDownLatch(1);
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script("chat-stream")
                .delta("Use ").await(firstLineRead).delta("git revert.").done("stop");

        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"), chatRequest("chat-stream"))) {
            assertThat(response.status).isEqualTo(200);
            assertThat(response.headers.get("content-type")).startsWith("application/x-ndjson");
            StringBuilder body = new StringBuilder();
            response.readUntil(body, agentDelta("Use "));
            firstLineRead.countDown();
            body.append(new String(response.readRest(), StandardCharsets.UTF_8));
            assertThat(body.toString()).isEqualTo(agentDelta("Use ") + agentDelta("git revert."));
        }
        assertThat(JSON.readTree(script.requestBody).path("stream").asBoolean()).isTrue();
    }

    @Test
    void aModelFailingMidStreamEndsTheChatWithGitLabsErrorEvent() throws Exception {
        FakeStreamingAdapter.script("chat-broken").delta("Use ")
                .error("model_server_error", "model server at http://127.0.0.1:9/v1/chat/completions broke off");

        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"), chatRequest("chat-broken"))) {
            assertThat(response.status).isEqualTo(200);
            assertThat(new String(response.readRest(), StandardCharsets.UTF_8)).isEqualTo(agentDelta("Use ")
                    + "{\"type\":\"error\",\"data\":{\"message\":\"model server at "
                    + "http://127.0.0.1:9/v1/chat/completions broke off\",\"retryable\":false}}\n");
        }
    }

    @Test
    void aModelFailingMidStreamEndsTheCompletionStream() throws Exception {
        FakeStreamingAdapter.script("stream-timeout").delta("return a")
                .error("model_server_timeout", "model server did not answer within 55 s")
                // what a broken adapter might still send: the gateway has ended the answer already
                .delta(" never sent on");

        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"),
                codeRequest("stream-timeout", "codestral"))) {
            assertThat(response.status).isEqualTo(200);
            assertThat(new String(response.readRest(), StandardCharsets.UTF_8)).isEqualTo("return a");
        }
    }

    @Test
    void anAdapterConnectionDroppedMidStreamEndsTheAnswer() throws Exception {
        CountDownLatch chatDeltaRead = new CountDownLatch(1);
        CountDownLatch completionDeltaRead = new CountDownLatch(1);
        FakeStreamingAdapter.script("chat-dropped").delta("Use ").await(chatDeltaRead).drop();
        FakeStreamingAdapter.script("stream-dropped").delta("return a").await(completionDeltaRead).drop();

        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"), chatRequest("chat-dropped"))) {
            StringBuilder body = response.readUntil(new StringBuilder(), agentDelta("Use ")).isEmpty()
                    ? null : new StringBuilder(agentDelta("Use "));
            chatDeltaRead.countDown();
            body.append(new String(response.readRest(), StandardCharsets.UTF_8));
            assertThat(body.toString()).startsWith(agentDelta("Use ") + "{\"type\":\"error\",\"data\":{\"message\":")
                    .endsWith(",\"retryable\":true}}\n");
        }
        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"),
                codeRequest("stream-dropped", "codestral"))) {
            response.readUntil(new StringBuilder(), "return a");
            completionDeltaRead.countDown();
            assertThat(response.readRest()).isEmpty();
        }
    }

    @Test
    void anAdapterConnectionDroppedBeforeTheFirstDeltaIs503() throws Exception {
        FakeStreamingAdapter.script("stream-dropped-at-once").drop();

        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"),
                codeRequest("stream-dropped-at-once", "codestral"))) {
            assertThat(response.status).isEqualTo(503);
            assertThat(JSON.readTree(response.readRest()).path("detail").asText())
                    .isEqualTo("model-adapter is unreachable");
        }
    }

    @Test
    void aRefusalBeforeTheStreamIsTheUsualJsonError() throws Exception {
        FakeStreamingAdapter.script("stream-refused").refusing(502, "{\"error\":\"model_server_error\",\"message\":"
                + "\"model server at http://127.0.0.1:9/v1/completions answered 401: Unauthorized\",\"model_status\":401}");
        FakeStreamingAdapter.script("stream-egress").refusing(403, "{\"error\":\"egress_denied\",\"message\":"
                + "\"model endpoint host 8.8.8.8 is outside the allowed networks\"}");

        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"),
                codeRequest("stream-refused", "codestral"))) {
            assertThat(response.status).isEqualTo(421);
            assertThat(response.headers.get("content-type")).startsWith("application/json");
            assertThat(JSON.readTree(response.readRest()).path("detail").asText())
                    .isEqualTo("401: model server at http://127.0.0.1:9/v1/completions answered 401: Unauthorized");
        }
        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"),
                codeRequest("stream-egress", "codestral"))) {
            assertThat(response.status).isEqualTo(403);
            assertThat(JSON.readTree(response.readRest()).path("detail").asText())
                    .isEqualTo("model endpoint host 8.8.8.8 is outside the allowed networks");
        }
    }

    @Test
    void aFailureBeforeTheFirstDeltaIsStillAnHttpError() throws Exception {
        FakeStreamingAdapter.script("chat-failed-at-once")
                .error("model_server_timeout", "model server did not answer within 55 s");

        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"),
                chatRequest("chat-failed-at-once"))) {
            assertThat(response.status).isEqualTo(421);
            assertThat(JSON.readTree(response.readRest()).path("detail").asText())
                    .isEqualTo("504: model server did not answer within 55 s");
        }
    }

    @Test
    void aClientThatGoesAwayClosesTheGatewaysConnectionToTheAdapter() throws Exception {
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script("stream-abandoned").delta("return ")
                .awaitClose();

        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"),
                codeRequest("stream-abandoned", "codestral"))) {
            response.readUntil(new StringBuilder(), "return ");
        }
        // the fake blocks reading its connection until the gateway closes it (30 s at most)
        assertThat(script.gatewayClosed.await(20, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aSlowReaderMakesTheGatewayStopReadingTheAdapter() throws Exception {
        int deltas = 4096;
        int size = 16 * 1024;
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script("stream-flood").flood(deltas, size)
                .done("length");

        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"),
                codeRequest("stream-flood", "codestral"))) {
            assertThat(response.nextChunk()).isNotEmpty();
            // this client reads no more: the gateway must stop reading model-adapter, so the fake's
            // 64 MB cannot all be written (a gateway that buffered would take it all at once)
            assertThat(script.floodWritten.await(3, TimeUnit.SECONDS)).isFalse();
            assertThat(script.bytesWritten.get()).isLessThan((long) deltas * size);
        }
        // the slow reader dropped its connection while a write to it was pending: the stream is
        // cancelled up to model-adapter, and nothing of it is left in flight (graceful shutdown
        // would otherwise wait its whole timeout for this request)
        assertThat(script.gatewayClosed.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(settlesAtZero(adapterClient::callsInFlight)).as("bulkhead slots held").isZero();
        assertThat(settlesAtZero(httpRequests::current)).as("HTTP requests in flight").isZero();
    }

    @Test
    void aClientThatGoesAwayReleasesItsStreamEntirely() throws Exception {
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script("stream-released").delta("return ")
                .awaitClose();

        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("duo_chat"), chatRequest("stream-released"))) {
            response.readUntil(new StringBuilder(), agentDelta("return "));
        }
        assertThat(script.gatewayClosed.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(settlesAtZero(adapterClient::callsInFlight)).as("bulkhead slots held").isZero();
        assertThat(settlesAtZero(httpRequests::current)).as("HTTP requests in flight").isZero();
    }

    /**
     * model-adapter keeps its connections alive, as Vert.x does: many streams, back to back on
     * each of several concurrent clients, must all succeed. (The REST client closes a stream's
     * connection when the stream completes; on a connection the pool had already handed to the
     * next call that close failed that call with a 503.)
     */
    @Test
    void manyStreamsBackToBackAndConcurrentlyOverKeptAliveConnectionsAllSucceed() throws Exception {
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script("stream-kept-alive").keepAlive()
                .delta("return ").delta("a + b").done("stop");
        int clients = 8;
        int streamsEach = 30;
        String request = codeRequest("stream-kept-alive", "codestral");
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<List<String>>> outcomes = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Callable<List<String>> client = () -> {
                    List<String> failures = new ArrayList<>();
                    for (int i = 0; i < streamsEach; i++) {
                        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("complete_code"), request)) {
                            String body = new String(response.readRest(), StandardCharsets.UTF_8);
                            if (response.status != 200 || !body.equals("return a + b")) {
                                failures.add(response.status + " " + body);
                            }
                        }
                    }
                    return failures;
                };
                outcomes.add(pool.submit(client));
            }
            List<String> failures = new ArrayList<>();
            for (Future<List<String>> outcome : outcomes) {
                failures.addAll(outcome.get(120, TimeUnit.SECONDS));
            }
            assertThat(failures).as("failed streams of %d", clients * streamsEach).isEmpty();
        } finally {
            pool.shutdownNow();
        }
        assertThat(script.calls.get()).isEqualTo((long) clients * streamsEach);
        assertThat(settlesAtZero(adapterClient::callsInFlight)).isZero();
    }

    @Test
    void streamingNeedsTheSameScopes() throws Exception {
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script("stream-unauthorised").delta("x").done("stop");

        try (RawHttp response = RawHttp.post("/v2/code/completions", List.of("duo_chat"),
                codeRequest("stream-unauthorised", "codestral"))) {
            assertThat(response.status).isEqualTo(403);
            assertThat(JSON.readTree(response.readRest()).path("detail").asText())
                    .isEqualTo("Unauthorized to access code completions");
        }
        try (RawHttp response = RawHttp.post("/v2/code/generations", List.of("complete_code"),
                codeRequest("stream-unauthorised", "mistral"))) {
            assertThat(response.status).isEqualTo(403);
        }
        try (RawHttp response = RawHttp.post("/v2/chat/agent", List.of("complete_code"),
                chatRequest("stream-unauthorised"))) {
            assertThat(response.status).isEqualTo(403);
            assertThat(JSON.readTree(response.readRest()).path("detail").asText())
                    .isEqualTo("Unauthorized to access duo chat");
        }
        assertThat(script.requestBody).isNull();
    }

    @Test
    void aStreamedConnectionCheckIsRawTextToo() throws Exception {
        FakeStreamingAdapter.Script script = FakeStreamingAdapter.script("check-stream").delta("O").delta("K")
                .done("stop");

        try (RawHttp response = RawHttp.post("/v1/prompts/model_configuration%2Fcheck", List.of("complete_code"),
                JSON.writeValueAsString(Map.of("inputs", Map.of(), "stream", true, "model_metadata",
                        Map.of("name", "mistral", "endpoint", "http://10.0.0.7:8000/v1",
                                "identifier", "custom_openai/check-stream", "api_key", "k"))))) {
            assertThat(response.status).isEqualTo(200);
            assertThat(response.headers.get("content-type")).startsWith("text/event-stream");
            assertThat(new String(response.readRest(), StandardCharsets.UTF_8)).isEqualTo("OK");
        }
        // the check's 3 s less the 250 ms margin, less the little the gateway spent before the call
        assertThat(JSON.readTree(script.requestBody).path("timeout_ms").asInt()).isBetween(2000, 2750);
    }
}
