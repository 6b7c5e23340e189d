package dev.enclave.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.launcher.Suite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streaming data plane over real processes: editor -> instance-service -> ai-gateway ->
 * model-adapter -> model simulator. The simulator paces its tokens (token_delay_ms), so a
 * streamed answer lasts long enough to see its pieces arrive one after another. The assertions
 * compare arrival times with each other (the first piece comes long before the last), never with
 * an absolute speed, and compare the streamed text with the JSON answer for the same prompt (the
 * simulator is deterministic).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamingEndToEndIT {

    /** Pace of the simulator's tokens for the code suggestion tests: 64 tokens take about 2.5 s. */
    private static final int TOKEN_DELAY_MS = 40;
    /** Chat answers are 1,024 tokens long (the gateway's limit): a quicker pace keeps them to seconds. */
    private static final int CHAT_TOKEN_DELAY_MS = 5;
    /** Generations capped so that one lasts about as long as a completion (the default is 512 tokens). */
    private static final int GENERATION_MAX_TOKENS = 48;

    private static final String PROMPT = "def fibonacci(n):\n    ";
    private static final String CHAT_QUESTION = "How do I reverse a list in Python?";

    RunningSuite running;
    Map<String, String> admin;
    /** The JSON completion for PROMPT, and how long the streamed one took from request to last piece. */
    String fullCompletion;
    long fullStreamNanos;
    /** The chat answer as the gateway streamed it. */
    String chatAnswer;

    @BeforeAll
    void start() throws IOException {
        running = RunningSuite.start(Map.of(Suite.GATEWAY,
                Map.of("enclave.gateway.generation-max-tokens", String.valueOf(GENERATION_MAX_TOKENS))));
        admin = Map.of("PRIVATE-TOKEN", running.adminToken);
        long seeded = -1;
        for (JsonNode model : running.get(Suite.INSTANCE, "/api/v4/admin/ai/self_hosted_models", admin).json()) {
            if (model.path("name").asText().equals("local-codestral")) {
                seeded = model.path("id").asLong();
            }
        }
        assertThat(seeded).as("the seeded model").isPositive();
        RunningSuite.Answer routed = running.put(Suite.INSTANCE, "/api/v4/admin/ai/feature_settings/duo_chat", admin,
                "{\"provider\":\"self_hosted\",\"ai_self_hosted_model_id\":" + seeded + "}");
        assertThat(routed.status()).as(routed.body()).isEqualTo(200);
    }

    @AfterAll
    void stop() {
        if (running != null) {
            running.close();
        }
    }

    @Test
    @Order(1)
    void aStreamedCompletionArrivesPieceByPieceThroughAllFourHops() throws IOException {
        pace(TOKEN_DELAY_MS);
        RunningSuite.Answer json = running.complete(PROMPT);
        assertThat(json.status()).as(json.body()).isEqualTo(200);
        fullCompletion = json.json().path("choices").path(0).path("text").asText();
        assertThat(fullCompletion).isNotEmpty();

        try (StreamingExchange stream = running.openStream(Suite.INSTANCE, "/api/v4/code_suggestions/completions",
                admin, codeBody(PROMPT, null))) {
            assertThat(stream.status).isEqualTo(200);
            assertThat(stream.contentType()).startsWith("text/event-stream");
            List<StreamingExchange.Piece> pieces = stream.readAll();
            assertThat(stream.end()).isEqualTo(StreamingExchange.End.COMPLETE);

            // The raw text, not SSE frames, and exactly what the JSON answer carries.
            assertThat(StreamingExchange.text(pieces)).isEqualTo(fullCompletion);
            assertArrivedPieceByPiece(stream, pieces);
            fullStreamNanos = pieces.get(pieces.size() - 1).arrivedNanos() - stream.sentNanos;
        }
    }

    @Test
    @Order(2)
    void aStreamedGenerationArrivesPieceByPieceToo() throws IOException {
        pace(TOKEN_DELAY_MS);
        String above = "# return the n-th prime number\n";
        RunningSuite.Answer json = running.post(Suite.INSTANCE, "/api/v4/code_suggestions/completions", admin,
                codeBody(above, "generation").replace(",\"stream\":true", ""));
        assertThat(json.status()).as(json.body()).isEqualTo(200);
        String generated = json.json().path("choices").path(0).path("text").asText();
        assertThat(generated).isNotEmpty();

        try (StreamingExchange stream = running.openStream(Suite.INSTANCE, "/api/v4/code_suggestions/completions",
                admin, codeBody(above, "generation"))) {
            assertThat(stream.status).isEqualTo(200);
            assertThat(stream.contentType()).startsWith("text/event-stream");
            List<StreamingExchange.Piece> pieces = stream.readAll();
            assertThat(stream.end()).isEqualTo(StreamingExchange.End.COMPLETE);
            assertThat(StreamingExchange.text(pieces)).isEqualTo(generated);
            assertArrivedPieceByPiece(stream, pieces);
        }
    }

    /**
     * Chat streams NDJSON at the gateway (one event per delta, as it arrives); the instance's
     * {@code /chat/completions} answers GitLab's bare JSON string, the same deltas joined.
     */
    @Test
    @Order(3)
    void chatStreamsAtTheGatewayAndTheInstanceAnswersTheJoinedText() throws IOException {
        pace(CHAT_TOKEN_DELAY_MS);
        List<JsonNode> events = new ArrayList<>();
        try (StreamingExchange stream = openGatewayChat(CHAT_QUESTION, null)) {
            assertThat(stream.status).isEqualTo(200);
            assertThat(stream.contentType()).startsWith("application/x-ndjson");
            List<StreamingExchange.Piece> pieces = stream.readAll();
            assertThat(stream.end()).isEqualTo(StreamingExchange.End.COMPLETE);
            events.addAll(lines(StreamingExchange.text(pieces)));
            assertArrivedPieceByPiece(stream, pieces);
        }
        StringBuilder joined = new StringBuilder();
        int deltas = 0;
        for (JsonNode event : events) {
            if (event.path("type").asText().equals("final_answer_delta")) {
                joined.append(event.path("data").path("text").asText());
                deltas++;
            } else {
                assertThat(event.path("type").asText()).as("no error event in a healthy stream: " + event)
                        .isNotEqualTo("error");
            }
        }
        assertThat(deltas).as("one event per delta").isGreaterThan(8);
        chatAnswer = joined.toString();
        assertThat(chatAnswer).isNotBlank();

        RunningSuite.Answer answer = running.post(Suite.INSTANCE, "/api/v4/chat/completions", admin,
                "{\"content\":" + RunningSuite.quote(CHAT_QUESTION) + "}");
        assertThat(answer.status()).as("GitLab answers this POST with 201: " + answer.body()).isEqualTo(201);
        assertThat(answer.json().isTextual()).as("a bare JSON string: " + answer.body()).isTrue();
        assertThat(answer.json().asText()).isEqualTo(chatAnswer);
    }

    /** An editor that goes away mid-stream: every hop lets go, and the model stops generating. */
    @Test
    @Order(4)
    void aClientThatDisconnectsCancelsTheModelStream() throws Exception {
        pace(TOKEN_DELAY_MS);
        JsonNode before = running.simulatorStreams();
        assertThat(before.path("in_flight").asLong()).isZero();
        try (StreamingExchange stream = running.openStream(Suite.INSTANCE, "/api/v4/code_suggestions/completions",
                admin, codeBody("def cancelled_midway(x):\n    ", null))) {
            assertThat(stream.status).isEqualTo(200);
            assertThat(stream.next()).as("a first piece before going away").isNotNull();
            assertThat(stream.end()).isNull();
        }
        // The model stream ends either way: cancelled when the close travelled down the chain,
        // completed (after ~2.5 s) when it did not. The bound only keeps a hang from blocking the build.
        JsonNode after = awaitStreamsSettled(before, Duration.ofSeconds(30));
        assertThat(after.path("started").asLong() - before.path("started").asLong()).isEqualTo(1);
        assertThat(after.path("cancelled").asLong() - before.path("cancelled").asLong())
                .as("cancelled streams, counters " + after).isEqualTo(1);
        assertThat(after.path("completed").asLong() - before.path("completed").asLong())
                .as("the model must not have generated to the end").isZero();

        assertThat(running.complete("def still_fine():\n    ").status()).isEqualTo(200);
    }

    /** The model's connection breaks after two tokens: the editor's stream ends, it does not hang. */
    @Test
    @Order(5)
    void aMidStreamDropEndsTheClientsStreamPromptly() throws Exception {
        assertThat(fullCompletion).as("needs the first test's answer").isNotNull();
        pace(TOKEN_DELAY_MS);
        JsonNode before = running.simulatorStreams();
        running.simulatorControl("{\"drop_mid_stream\":1}");
        String requestId = "drop-" + UUID.randomUUID();
        Map<String, String> headers = new LinkedHashMap<>(admin);
        headers.put("X-Request-ID", requestId);
        String received;
        long took;
        try (StreamingExchange stream = running.openStream(Suite.INSTANCE, "/api/v4/code_suggestions/completions",
                headers, codeBody(PROMPT, null))) {
            assertThat(stream.status).isEqualTo(200);
            // A hang would fail here on the 60 s read timeout.
            List<StreamingExchange.Piece> pieces = stream.readAll();
            took = System.nanoTime() - stream.sentNanos;
            assertThat(stream.end()).isNotNull();
            received = StreamingExchange.text(pieces);
            System.out.printf("Mid-stream drop: %d piece(s), %s, ended %s after %d ms (a full stream: %d ms)%n",
                    pieces.size(), RunningSuite.quote(received), stream.end(), took / 1_000_000,
                    fullStreamNanos / 1_000_000);
        }
        assertThat(fullCompletion).startsWith(received);
        assertThat(received.length()).as("only the tokens sent before the drop").isLessThan(fullCompletion.length());
        assertThat(took).as("ended before a whole stream would have").isLessThan(fullStreamNanos);

        JsonNode after = awaitStreamsSettled(before, Duration.ofSeconds(30));
        assertThat(after.path("dropped").asLong() - before.path("dropped").asLong()).isEqualTo(1);
        assertLogMentions(Suite.GATEWAY, requestId);
        assertThat(running.complete("def after_the_drop():\n    ").status()).isEqualTo(200);
    }

    /** In NDJSON the gateway can say so: the stream ends with an error event. */
    @Test
    @Order(6)
    void aMidStreamDropInChatEndsWithAnErrorEvent() throws IOException {
        assertThat(chatAnswer).as("needs the chat test's answer").isNotNull();
        pace(TOKEN_DELAY_MS);
        running.simulatorControl("{\"drop_mid_stream\":1}");
        List<JsonNode> events;
        try (StreamingExchange stream = openGatewayChat(CHAT_QUESTION, null)) {
            assertThat(stream.status).isEqualTo(200);
            List<StreamingExchange.Piece> pieces = stream.readAll();
            assertThat(stream.end()).isNotNull();
            events = lines(StreamingExchange.text(pieces));
        }
        assertThat(events).isNotEmpty();
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("type").asText()).as(last.toString()).isEqualTo("error");
        assertThat(last.path("data").path("message").asText()).isNotBlank();
        StringBuilder before = new StringBuilder();
        events.subList(0, events.size() - 1).forEach(e -> before.append(e.path("data").path("text").asText()));
        assertThat(chatAnswer).startsWith(before.toString());
        assertThat(before.length()).isLessThan(chatAnswer.length());
    }

    /**
     * Editors stream at the same time: every stream completes with its whole answer (no stream
     * starves another, none is cut), whether the model paces its tokens or sends them as fast as it
     * can. Correctness under concurrency, not speed: no time is asserted.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "token delay {0} ms")
    @org.junit.jupiter.params.provider.ValueSource(ints = {TOKEN_DELAY_MS, 0})
    @Order(7)
    void concurrentStreamsAllCompleteWithTheWholeAnswer(int tokenDelayMs) throws Exception {
        assertThat(fullCompletion).as("needs the first test's answer").isNotNull();
        pace(tokenDelayMs);
        int streams = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(streams);
        try {
            List<java.util.concurrent.Future<String>> results = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                results.add(pool.submit(() -> {
                    try (StreamingExchange stream = running.openStream(Suite.INSTANCE,
                            "/api/v4/code_suggestions/completions", admin, codeBody(PROMPT, null))) {
                        List<StreamingExchange.Piece> pieces = stream.readAll();
                        return stream.status + " " + stream.end() + " " + StreamingExchange.text(pieces);
                    }
                }));
            }
            for (java.util.concurrent.Future<String> result : results) {
                assertThat(result.get(120, java.util.concurrent.TimeUnit.SECONDS))
                        .isEqualTo("200 COMPLETE " + fullCompletion);
            }
        } finally {
            pool.shutdownNow();
        }
        JsonNode streamsNow = running.simulatorStreams();
        assertThat(streamsNow.path("in_flight").asLong()).isZero();
    }

    // --- helpers ---

    /**
     * Tokens arrive one by one: several pieces, and the first one long before the last (before
     * the halfway point of the whole exchange); a hop that collects the answer delivers it in one go
     * at the end.
     */
    private static void assertArrivedPieceByPiece(StreamingExchange stream, List<StreamingExchange.Piece> pieces) {
        assertThat(pieces.size()).as("pieces of the body").isGreaterThan(8);
        long first = pieces.get(0).arrivedNanos() - stream.sentNanos;
        long last = pieces.get(pieces.size() - 1).arrivedNanos() - stream.sentNanos;
        System.out.printf("%d pieces; first after %d ms, last after %d ms%n", pieces.size(), first / 1_000_000,
                last / 1_000_000);
        assertThat(first).as("first piece (ns) vs half the time to the last").isLessThan(last / 2);
        long distinct = pieces.stream().mapToLong(p -> p.arrivedNanos() / 5_000_000).distinct().count();
        assertThat(distinct).as("pieces arriving at distinct moments (5 ms resolution)").isGreaterThan(4);
    }

    private void pace(int tokenDelayMs) {
        running.simulatorControl("{\"clear\":true,\"token_delay_ms\":" + tokenDelayMs + "}");
    }

    private static String codeBody(String above, String intent) {
        return "{" + (intent == null ? "" : "\"intent\":\"" + intent + "\",")
                + "\"current_file\":{\"file_name\":\"main.py\",\"content_above_cursor\":" + RunningSuite.quote(above)
                + ",\"content_below_cursor\":\"\"},\"stream\":true}";
    }

    /** {@code /v2/chat/agent} straight at the gateway, with a token minted for the instance (scope duo_chat). */
    private StreamingExchange openGatewayChat(String question, String requestId) throws IOException {
        String instanceId = UUID.randomUUID().toString();
        RunningSuite.Answer minted = running.post(Suite.TOKEN_SERVICE, "/internal/v1/ai-tokens",
                running.instanceClientAuth(),
                "{\"instance_id\":\"" + instanceId + "\",\"scopes\":[\"duo_chat\"]}");
        assertThat(minted.status()).as(minted.body()).isEqualTo(200);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + minted.json().path("token").asText());
        headers.put("X-Gitlab-Authentication-Type", "oidc");
        headers.put("X-Gitlab-Realm", "self-managed");
        headers.put("X-Gitlab-Instance-Id", instanceId);
        if (requestId != null) {
            headers.put("X-Request-ID", requestId);
        }
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":" + RunningSuite.quote(question) + "}],"
                + "\"options\":{},\"model_metadata\":{\"provider\":\"litellm\",\"name\":\"codestral\",\"endpoint\":\""
                + running.service(Suite.SIMULATOR).url() + "/v1\",\"api_key\":\"" + running.modelApiKey
                + "\",\"identifier\":\"custom_openai/" + Suite.SIMULATED_MODEL + "\"}}";
        return running.openStream(Suite.GATEWAY, "/v2/chat/agent", headers, body);
    }

    private static List<JsonNode> lines(String ndjson) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        for (String line : ndjson.split("\n")) {
            if (!line.isBlank()) {
                events.add(RunningSuite.JSON.readTree(line));
            }
        }
        return events;
    }

    /** Waits until the simulator has started a stream since {@code before} and none is in flight. */
    private JsonNode awaitStreamsSettled(JsonNode before, Duration bound) throws InterruptedException {
        Instant deadline = Instant.now().plus(bound);
        JsonNode now = running.simulatorStreams();
        while (Instant.now().isBefore(deadline)
                && (now.path("started").asLong() == before.path("started").asLong()
                || now.path("in_flight").asLong() > 0)) {
            Thread.sleep(50);
            now = running.simulatorStreams();
        }
        assertThat(now.path("in_flight").asLong()).as("streams still running after " + bound + ": " + now).isZero();
        return now;
    }

    private void assertLogMentions(String service, String needle) throws Exception {
        Instant deadline = Instant.now().plusSeconds(10);
        String log = "";
        while (Instant.now().isBefore(deadline)) {
            log = Files.readString(running.service(service).log());
            if (log.contains(needle)) {
                return;
            }
            Thread.sleep(100);
        }
        assertThat(log).as(service + " logs the broken stream with the request id").contains(needle);
    }
}
