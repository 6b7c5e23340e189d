package dev.enclave.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The same streaming behaviour, checked on every streaming endpoint of every personality. */
class StreamingTest {

    private static final Map<Personality, ModelSimulator> SIMS = new EnumMap<>(Personality.class);

    private static synchronized ModelSimulator sim(StreamWire wire) {
        return SIMS.computeIfAbsent(wire.personality, personality -> ModelSimulator.start(SimulatorConfig.builder()
                .port(0).personality(personality).models(List.of(StreamWire.MODEL)).build()));
    }

    @AfterEach
    void reset() {
        SIMS.values().forEach(sim -> {
            sim.faults().clear();
            sim.setTokenDelayMs(0);
        });
    }

    @AfterAll
    static void stop() {
        SIMS.values().forEach(ModelSimulator::close);
    }

    /**
     * A user text whose reply runs to at least {@code tokens} tokens in every personality: chat
     * personalities end their turn at the first newline drawn, so a short reply would end a stream
     * before the test is done with it.
     */
    private static String longReplyPrompt(int tokens) {
        for (int i = 0; ; i++) {
            String text = "write some code " + i;
            Conversation conversation = new Conversation();
            conversation.add("user", text);
            if (conversation.answer(StreamWire.MODEL, tokens, List.of()).finishReason().equals("length")) {
                return text;
            }
        }
    }

    private static HttpRequest httpRequest(StreamWire wire, StreamWire.Request request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(origin(wire) + request.path()))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.body()));
        request.headers().forEach(builder::header);
        return builder.build();
    }

    private static String origin(StreamWire wire) {
        return "http://127.0.0.1:" + sim(wire).port();
    }

    private static HttpResponse<byte[]> send(StreamWire wire, StreamWire.Request request) throws Exception {
        return TestHttp.send(httpRequest(wire, request), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static StreamStats stats(StreamWire wire) {
        return sim(wire).streamStats();
    }

    /** Polls until the stream counts satisfy {@code condition}, giving up after five seconds. */
    private static StreamStats awaitStats(StreamWire wire, Predicate<StreamStats> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        StreamStats stats = stats(wire);
        while (!condition.test(stats) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            stats = stats(wire);
        }
        return stats;
    }

    @ParameterizedTest
    @EnumSource(StreamWire.class)
    void streamedDeltasConcatenateToTheNonStreamedText(StreamWire wire) throws Exception {
        String prompt = longReplyPrompt(12);
        HttpResponse<byte[]> whole = send(wire, wire.request(prompt, 12, false));
        StreamStats before = stats(wire);

        HttpResponse<byte[]> streamed = send(wire, wire.request(prompt, 12, true));

        assertThat(whole.statusCode()).as(new String(whole.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(streamed.statusCode()).as(new String(streamed.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(streamed.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type)
                .startsWith(wire == StreamWire.BEDROCK ? "application/vnd.amazon.eventstream" : "text/event-stream"));
        List<String> deltas = wire.deltas(streamed.body());
        assertThat(deltas).as("one content event per token").hasSize(12)
                .allSatisfy(delta -> assertThat(CompletionGenerator.VOCABULARY).contains(delta));
        assertThat(String.join("", deltas)).isEqualTo(wire.text(new String(whole.body(), StandardCharsets.UTF_8)));
        assertThat(wire.completed(streamed.body())).isTrue();
        assertThat(wire.error(streamed.body())).isNull();
        StreamStats after = stats(wire);
        assertThat(after.started() - before.started()).isEqualTo(1);
        assertThat(after.completed() - before.completed()).isEqualTo(1);
        assertThat(after.inFlight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StreamWire.class)
    void dropMidStreamClosesTheConnectionAfterTheFirstContentEvent(StreamWire wire) throws Exception {
        String prompt = longReplyPrompt(8);
        sim(wire).faults().dropMidStream(1);
        StreamStats before = stats(wire);

        HttpResponse<InputStream> response = TestHttp.send(httpRequest(wire, wire.request(prompt, 8, true)),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        assertThatThrownBy(() -> {
            try (InputStream in = response.body()) {
                byte[] buffer = new byte[256];
                for (int n; (n = in.read(buffer)) != -1; ) {
                    received.write(buffer, 0, n);
                }
            }
        }).isInstanceOf(IOException.class);

        assertThat(wire.deltas(received.toByteArray())).hasSize(1);
        assertThat(wire.completed(received.toByteArray())).isFalse();
        StreamStats after = awaitStats(wire, stats -> stats.dropped() > before.dropped());
        assertThat(after.dropped() - before.dropped()).isEqualTo(1);
        assertThat(after.completed()).isEqualTo(before.completed());
        // the fault was used up: the next stream is whole
        assertThat(wire.completed(send(wire, wire.request(prompt, 8, true)).body())).isTrue();
    }

    @ParameterizedTest
    @EnumSource(StreamWire.class)
    void failMidStreamEndsWithTheProvidersErrorEvent(StreamWire wire) throws Exception {
        String prompt = longReplyPrompt(8);
        sim(wire).faults().failMidStream(1);
        StreamStats before = stats(wire);

        HttpResponse<byte[]> response = send(wire, wire.request(prompt, 8, true));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(wire.deltas(response.body())).hasSize(1);
        assertThat(wire.completed(response.body())).isFalse();
        StreamWire.Event error = wire.error(response.body());
        assertThat(error).isNotNull();
        assertThat(error.data()).contains(wire == StreamWire.ANTHROPIC ? "overloaded_error" : "mid-stream failure");
        StreamStats after = stats(wire);
        assertThat(after.failed() - before.failed()).isEqualTo(1);
        assertThat(after.inFlight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StreamWire.class)
    void clientDisconnectCancelsTheStreamAndStopsGeneration(StreamWire wire) throws Exception {
        String prompt = longReplyPrompt(40);
        sim(wire).setTokenDelayMs(50);
        StreamStats before = stats(wire);
        StreamWire.Request request = wire.request(prompt, 200, true);
        byte[] body = request.body().getBytes(StandardCharsets.UTF_8);

        try (Socket socket = new Socket("127.0.0.1", sim(wire).port())) {
            socket.setSoTimeout(5000);
            StringBuilder head = new StringBuilder("POST " + request.path() + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + sim(wire).port() + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n");
            request.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
            out.write(body);
            out.flush();
            // Read the status line, the headers and the first bytes of the stream, then hang up.
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[512];
            while (!received.toString(StandardCharsets.ISO_8859_1).matches("(?s).*\r\n\r\n.+")) {
                int n = in.read(buffer);
                assertThat(n).as("the stream ended before it started").isPositive();
                received.write(buffer, 0, n);
            }
            assertThat(received.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200");
            assertThat(stats(wire).inFlight()).isEqualTo(1);
        }

        // 40+ tokens 50 ms apart would take two seconds or more; cancellation must come well before.
        StreamStats after = awaitStats(wire, stats -> stats.cancelled() > before.cancelled() && stats.inFlight() == 0);
        assertThat(after.cancelled() - before.cancelled()).isEqualTo(1);
        assertThat(after.completed()).isEqualTo(before.completed());
        assertThat(after.inFlight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StreamWire.class)
    void tokenDelaySpacesTheContentEvents(StreamWire wire) throws Exception {
        String prompt = longReplyPrompt(4);
        sim(wire).setTokenDelayMs(100);

        long started = System.nanoTime();
        HttpResponse<InputStream> response = TestHttp.send(httpRequest(wire, wire.request(prompt, 4, true)),
                HttpResponse.BodyHandlers.ofInputStream());
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        boolean sawFirstDeltaWhileStreaming = false;
        try (InputStream in = response.body()) {
            byte[] buffer = new byte[64];
            for (int n; (n = in.read(buffer)) != -1; ) {
                received.write(buffer, 0, n);
                if (!sawFirstDeltaWhileStreaming && !wire.deltas(received.toByteArray()).isEmpty()) {
                    // the first token reached the client while the rest were still being produced
                    assertThat(wire.deltas(received.toByteArray())).hasSizeLessThan(4);
                    assertThat(wire.completed(received.toByteArray())).isFalse();
                    assertThat(stats(wire).inFlight()).isEqualTo(1);
                    sawFirstDeltaWhileStreaming = true;
                }
            }
        }

        assertThat(sawFirstDeltaWhileStreaming).isTrue();
        assertThat(wire.deltas(received.toByteArray())).hasSize(4);
        assertThat(wire.completed(received.toByteArray())).isTrue();
        // four content events: three gaps of at least the token delay
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void streamCountsAreServedOverHttpWithoutAuthAndCanBeReset() throws Exception {
        try (ModelSimulator keyed = ModelSimulator.start(SimulatorConfig.builder().port(0)
                .personality(Personality.BEDROCK).apiKey("AKID:secret").models(List.of(StreamWire.MODEL)).build())) {
            String url = "http://127.0.0.1:" + keyed.port() + "/__simulator/streams";

            HttpResponse<String> response = TestHttp.get(url, null);

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode counts = TestHttp.json(response.body());
            assertThat(counts.properties()).extracting(Map.Entry::getKey)
                    .containsExactly("started", "completed", "cancelled", "dropped", "failed", "in_flight");
            assertThat(counts.properties()).allSatisfy(entry -> assertThat(entry.getValue().asLong()).isZero());
            assertThat(keyed.recordedRequests()).isEmpty();
        }

        StreamWire wire = StreamWire.VLLM_COMPLETIONS;
        send(wire, wire.request("a b", 2, true));
        JsonNode counts = TestHttp.json(TestHttp.get(origin(wire) + "/__simulator/streams", null).body());
        StreamStats stats = stats(wire);
        assertThat(counts.get("started").asLong()).isEqualTo(stats.started()).isPositive();
        assertThat(counts.get("completed").asLong()).isEqualTo(stats.completed()).isPositive();

        HttpResponse<String> reset = TestHttp.send(HttpRequest.newBuilder(
                URI.create(origin(wire) + "/__simulator/streams")).DELETE().build());

        assertThat(reset.statusCode()).isEqualTo(204);
        assertThat(stats(wire)).isEqualTo(new StreamStats(0, 0, 0, 0, 0, 0));
    }

    @Test
    void midStreamFaultsCanBeSetOverHttp() throws Exception {
        StreamWire wire = StreamWire.ANTHROPIC;
        HttpResponse<String> set = TestHttp.post(origin(wire) + "/__simulator/faults", null, "{\"fail_mid_stream\":1}");

        assertThat(set.statusCode()).isEqualTo(204);
        assertThat(wire.error(send(wire, wire.request("hi", 4, true)).body())).isNotNull();
        assertThat(wire.completed(send(wire, wire.request("hi", 4, true)).body())).isTrue();
    }
}
