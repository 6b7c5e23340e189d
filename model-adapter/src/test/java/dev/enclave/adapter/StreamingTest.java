package dev.enclave.adapter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.simulator.ModelSimulator;
import dev.enclave.simulator.RecordedRequest;
import dev.enclave.simulator.StreamStats;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static dev.enclave.adapter.GatewayCaller.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code stream: true} through the adapter against each provider personality of the simulator,
 * which streams in that provider's own wire format: NDJSON events as the tokens come, the same
 * text as the non-streamed answer, failures after the 200 as an {@code error} event, and a caller
 * that hangs up cancelling the model's stream.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class StreamingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String AWS_HOST = "bedrock-runtime." + SimulatedModelServer.AWS_REGION + ".amazonaws.com";
    /** Enough tokens that a stream is still running when its first line has been read. */
    private static final int TOKENS = 20;

    /**
     * One provider and one of its APIs. Chat replies of the cloud personalities end at the first
     * newline the generator draws; these prompts draw none within {@link #TOKENS} tokens, so every
     * answer runs to the token limit.
     */
    record Target(String name, Supplier<ModelSimulator> simulator, String path, Map<String, Object> model,
                  String prompt, boolean chat) {

        Map<String, Object> body(boolean stream) {
            return Map.of("model", model, chat ? "messages" : "prompt",
                    chat ? List.of(Map.of("role", "user", "content", prompt)) : prompt,
                    "max_tokens", TOKENS, "stream", stream);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Target> targets() {
        return Stream.of(
                new Target("vllm completion", () -> SimulatedModelServer.simulator, "/v1/completions",
                        model("openai_compatible", SimulatedModelServer.simulator.baseUrl(), SimulatedModelServer.MODEL,
                                SimulatedModelServer.API_KEY), "def add(a, b):", false),
                new Target("vllm chat", () -> SimulatedModelServer.simulator, "/v1/chat/completions",
                        model("openai_compatible", SimulatedModelServer.simulator.baseUrl(), SimulatedModelServer.MODEL,
                                SimulatedModelServer.API_KEY), "Caf\u00e9 \uD83D\uDE00?", true),
                new Target("mistral chat", () -> SimulatedModelServer.mistral, "/v1/chat/completions",
                        model("mistral", SimulatedModelServer.mistral.baseUrl(), "codestral-latest",
                                SimulatedModelServer.API_KEY), "Tell me a story", true),
                new Target("mistral fim", () -> SimulatedModelServer.mistral, "/v1/completions",
                        model("mistral", SimulatedModelServer.mistral.baseUrl(), "codestral-latest",
                                SimulatedModelServer.API_KEY), "[SUFFIX]\n    return c[PREFIX]def add(a, b):", false),
                new Target("anthropic", () -> SimulatedModelServer.anthropic, "/v1/chat/completions",
                        model("anthropic", SimulatedModelServer.anthropic.baseUrl(), SimulatedModelServer.CLAUDE,
                                SimulatedModelServer.API_KEY), "print", true),
                new Target("azure chat", () -> SimulatedModelServer.azure, "/v1/chat/completions",
                        model("azure_openai", SimulatedModelServer.azure.baseUrl(), SimulatedModelServer.AZURE_DEPLOYMENT,
                                SimulatedModelServer.API_KEY), "Explain recursion", true),
                new Target("azure completion", () -> SimulatedModelServer.azure, "/v1/completions",
                        model("azure_openai", SimulatedModelServer.azure.baseUrl(), SimulatedModelServer.AZURE_DEPLOYMENT,
                                SimulatedModelServer.API_KEY), "def add(a, b):", false),
                new Target("bedrock", () -> SimulatedModelServer.bedrock, "/v1/chat/completions",
                        model("bedrock", "http://" + AWS_HOST + ":" + SimulatedModelServer.bedrock.port(),
                                SimulatedModelServer.BEDROCK_MODEL, SimulatedModelServer.AWS_KEY), "Tell me a story", true));
    }

    private static Map<String, Object> model(String provider, String endpoint, String identifier, String apiKey) {
        return Map.of("provider", provider, "endpoint", endpoint, "identifier", identifier, "api_key", apiKey);
    }

    @BeforeEach
    void reset() {
        SimulatedModelServer.reset();
        ScriptedHostResolver.clear();
        ScriptedHostResolver.script(AWS_HOST, "127.0.0.1");
    }

    private static HttpResponse<Stream<String>> send(String path, Map<String, Object> body)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + path))
                .header("Authorization", "Bearer " + TestTokens.valid())
                .header("Content-Type", "application/json")
                .header("X-Request-ID", "stream-test-1")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofLines());
    }

    private static List<JsonNode> events(HttpResponse<Stream<String>> response) {
        try (Stream<String> lines = response.body()) {
            return lines.map(StreamingTest::parse).toList();
        }
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void theStreamedDeltasMakeTheNonStreamedAnswer(Target target) throws Exception {
        Response whole = given().contentType(ContentType.JSON).body(target.body(false)).post(target.path());
        whole.then().statusCode(200);
        JsonNode expected = JSON.readTree(whole.asString());
        assertThat(expected.path("usage").path("completion_tokens").asInt()).as("the prompt runs to the limit")
                .isEqualTo(TOKENS);

        HttpResponse<Stream<String>> response = send(target.path(), target.body(true));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        assertThat(response.headers().firstValue("X-Request-ID")).hasValue("stream-test-1");
        List<JsonNode> events = events(response);
        List<JsonNode> deltas = events.subList(0, events.size() - 1);
        assertThat(deltas).isNotEmpty().allSatisfy(delta -> {
            assertThat(delta.path("type").asText()).isEqualTo("delta");
            assertThat(delta.path("text").asText()).isNotEmpty();
        });
        StringBuilder text = new StringBuilder();
        deltas.forEach(delta -> text.append(delta.path("text").asText()));
        assertThat(text.toString()).isEqualTo(expected.path("text").asText());
        JsonNode done = events.get(events.size() - 1);
        assertThat(done.path("type").asText()).isEqualTo("done");
        assertThat(done.path("finish_reason").asText()).isEqualTo("length")
                .isEqualTo(expected.path("finish_reason").asText());
        assertThat(done.path("model").asText()).isEqualTo(expected.path("model").asText());
        assertThat(done.path("usage")).isEqualTo(expected.path("usage"));

        List<RecordedRequest> sent = target.simulator().get().recordedRequests();
        RecordedRequest streamed = sent.get(sent.size() - 1);
        if (target.name().equals("bedrock")) {
            assertThat(streamed.path()).endsWith("/converse-stream");
            assertThat(streamed.header("Accept")).isEqualTo("application/vnd.amazon.eventstream");
        } else {
            assertThat(streamed.json().path("stream").asBoolean()).isTrue();
            assertThat(streamed.header("Accept")).isEqualTo("text/event-stream");
        }
        assertThat(target.simulator().get().streamStats().completed()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void linesLeaveAsTheModelProducesThem(Target target) throws Exception {
        ModelSimulator simulator = target.simulator().get();
        simulator.setTokenDelayMs(100);

        HttpResponse<Stream<String>> response = send(target.path(), target.body(true));
        try (Stream<String> lines = response.body()) {
            Iterator<String> reading = lines.iterator();
            JsonNode first = parse(reading.next());
            StreamStats whenTheFirstLineArrived = simulator.streamStats();
            List<JsonNode> rest = new ArrayList<>();
            reading.forEachRemaining(line -> rest.add(parse(line)));

            assertThat(first.path("type").asText()).isEqualTo("delta");
            // the model was still generating the rest of the 20 tokens, 100 ms apart, when the first arrived
            assertThat(whenTheFirstLineArrived.completed()).isZero();
            assertThat(whenTheFirstLineArrived.inFlight()).isEqualTo(1);
            assertThat(rest).last().satisfies(done -> assertThat(done.path("type").asText()).isEqualTo("done"));
        }
        assertThat(simulator.streamStats().completed()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void aModelThatFailsMidStreamEndsTheStreamWithAnErrorEvent(Target target) throws Exception {
        target.simulator().get().faults().failMidStream(1);

        List<JsonNode> events = events(send(target.path(), target.body(true)));

        assertThat(events.get(0).path("type").asText()).isEqualTo("delta");
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("type").asText()).isEqualTo("error");
        assertThat(last.path("error").asText()).isEqualTo("model_server_error");
        assertThat(last.path("message").asText()).contains("sent an error in its stream");
        assertThat(events).filteredOn(event -> event.path("type").asText().equals("done")).isEmpty();
        assertThat(target.simulator().get().streamStats().failed()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void aConnectionDroppedMidStreamEndsTheStreamWithAnErrorEvent(Target target) throws Exception {
        target.simulator().get().faults().dropMidStream(1);

        List<JsonNode> events = events(send(target.path(), target.body(true)));

        assertThat(events.get(0).path("type").asText()).isEqualTo("delta");
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("type").asText()).isEqualTo("error");
        assertThat(last.path("error").asText()).isEqualTo("model_server_unreachable");
        assertThat(last.path("message").asText()).contains("broke during the answer");
        assertThat(target.simulator().get().streamStats().dropped()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void aCallerThatHangsUpCancelsTheModelsStream(Target target) throws Exception {
        ModelSimulator simulator = target.simulator().get();
        simulator.setTokenDelayMs(100);
        byte[] body = JSON.writeValueAsBytes(target.body(true));

        // a raw socket, so that hanging up is exactly a closed connection
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + target.path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + TestTokens.valid() + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (!seen.toString().contains("\"type\":\"delta\"")) {
                int read = in.read(buffer);
                assertThat(read).as("the stream ended before its first delta: " + seen).isPositive();
                seen.append(new String(buffer, 0, read, StandardCharsets.UTF_8));
            }
            assertThat(seen.toString()).startsWith("HTTP/1.1 200");
        }

        // the simulator notices at its next write, one token delay later; this only bounds the wait
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (simulator.streamStats().cancelled() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        StreamStats stats = simulator.streamStats();
        assertThat(stats.cancelled()).isEqualTo(1);
        assertThat(stats.completed()).isZero();
        assertThat(stats.inFlight()).isZero();
    }

    @Test
    void aCallerThatHangsUpBeforeTheModelAnsweredClosesTheModelConnectionToo() throws Exception {
        ModelSimulator simulator = SimulatedModelServer.simulator;
        simulator.setLatencyMs(1_000);
        Target vllm = targets().findFirst().orElseThrow();
        byte[] body = JSON.writeValueAsBytes(vllm.body(true));

        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + vllm.path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + TestTokens.valid() + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            // hang up while the model is still thinking, once the adapter has called it
            long called = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (simulator.recordedRequests().isEmpty() && System.nanoTime() < called) {
                Thread.sleep(10);
            }
            assertThat(simulator.recordedRequests()).hasSize(1);
        }

        // after its latency the simulator starts the stream on a connection the adapter has closed
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (simulator.streamStats().cancelled() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(simulator.streamStats().cancelled()).isEqualTo(1);
        assertThat(simulator.streamStats().completed()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void refusalsBeforeTheStreamStartsAreTheUsualJsonErrors(Target target) {
        target.simulator().get().faults().failNext(1, 503);

        given().contentType(ContentType.JSON).body(target.body(true)).post(target.path())
                .then().statusCode(502)
                .contentType(ContentType.JSON)
                .body("error", equalTo("model_server_error"))
                .body("model_status", equalTo(503));
        assertThat(target.simulator().get().streamStats().started()).isZero();
    }

    @Test
    void aFailureAfterThe200IsLoggedWithTheRequestId() throws Exception {
        List<ExtLogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                ExtLogRecord logged = (ExtLogRecord) record;
                // the MDC is read lazily from the logging thread's context: take it while still there
                logged.copyAll();
                records.add(logged);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger("dev.enclave.adapter.service.NdjsonEventStream");
        logger.addHandler(capture);
        try {
            SimulatedModelServer.anthropic.faults().failMidStream(1);
            Target anthropic = targets().filter(target -> target.name().equals("anthropic")).findFirst().orElseThrow();

            events(send(anthropic.path(), anthropic.body(true)));

            // the line may be written a moment after the response ended, on the event loop
            long giveUpAt = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
            while (records.isEmpty() && System.nanoTime() < giveUpAt) {
                Thread.sleep(20);
            }
            assertThat(records).singleElement().satisfies(record -> {
                assertThat(record.getMdc("requestId")).isEqualTo("stream-test-1");
                assertThat(record.getThreadName()).startsWith("vert.x-eventloop");
                assertThat(record.getFormattedMessage()).contains("overloaded_error: Overloaded");
            });
        } finally {
            logger.removeHandler(capture);
        }
    }

    @Test
    void aWrongKeyIsRefusedWithoutA200() {
        Map<String, Object> model = model("openai_compatible", SimulatedModelServer.simulator.baseUrl(),
                SimulatedModelServer.MODEL, "wrong-key-123");
        given().contentType(ContentType.JSON).body(Map.of("model", model, "prompt", "x", "stream", true))
                .post("/v1/completions").then().statusCode(502)
                .body("model_status", equalTo(401))
                .body("message", containsString("answered 401: Unauthorized"));
    }

    @Test
    void aModelThatDoesNotStartWithinTheTimeoutIs504AndItsConnectionIsClosed() throws Exception {
        // the budget leaves time to send the request even on a busy machine (the model must have it to
        // notice the closed connection), and the model takes longer than the budget to start
        SimulatedModelServer.simulator.setLatencyMs(2_000);
        Map<String, Object> model = model("openai_compatible", SimulatedModelServer.simulator.baseUrl(),
                SimulatedModelServer.MODEL, SimulatedModelServer.API_KEY);
        given().contentType(ContentType.JSON)
                .body(Map.of("model", model, "prompt", "x", "stream", true, "timeout_ms", 900))
                .post("/v1/completions").then().statusCode(504)
                .body("error", equalTo("model_server_timeout"))
                // timeout_ms less enclave.adapter.timeout-margin (100 ms)
                .body("message", containsString("did not answer within 0.80 s"));

        // after its latency the simulator starts the stream and finds the connection closed; waiting
        // for that also keeps the abandoned request from taking the next test's faults
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (SimulatedModelServer.simulator.streamStats().cancelled() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(SimulatedModelServer.simulator.streamStats().cancelled()).isEqualTo(1);
    }

    @Test
    void aStreamThatOutlastsTheTimeoutEndsWithATimeoutEventAndTheModelConnectionClosed() throws Exception {
        SimulatedModelServer.simulator.setTokenDelayMs(100);
        Map<String, Object> model = model("openai_compatible", SimulatedModelServer.simulator.baseUrl(),
                SimulatedModelServer.MODEL, SimulatedModelServer.API_KEY);

        List<JsonNode> events = events(send("/v1/completions",
                Map.of("model", model, "prompt", "x", "max_tokens", 40, "stream", true, "timeout_ms", 700)));

        assertThat(events.get(0).path("type").asText()).isEqualTo("delta");
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("type").asText()).isEqualTo("error");
        assertThat(last.path("error").asText()).isEqualTo("model_server_timeout");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (SimulatedModelServer.simulator.streamStats().cancelled() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(SimulatedModelServer.simulator.streamStats().cancelled()).isEqualTo(1);
    }
}
