package dev.enclave.instance;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An AI gateway that streams under the test's control (WireMock cannot hold a response open
 * between chunks): it records what it was sent and whether the instance closed its connection.
 */
final class StreamingFakeGateway implements AutoCloseable {

    enum Mode {
        /** "def " at once, then "add(a, b)" and the end once {@link #releaseRest} completes. */
        TWO_CHUNKS,
        /** "first" and then nothing, never ending: only the instance can close it. */
        ENDLESS,
        /** As fast as the connection takes it, until the instance stops reading. */
        FLOOD,
        /** 421 with the gateway's JSON error. */
        REFUSE,
        /** Reads the request and never answers, until {@link #answerHung} (a hung gateway or model). */
        HANG,
        /** Closes the connection without answering (a gateway that breaks). */
        RESET,
        /** A JSON completion, or a chat answer as one NDJSON event. */
        ANSWER
    }

    static final String CHAT_EVENT = "{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"ok\"}}\n";
    static final String COMPLETION = "{\"choices\":[{\"text\":\"ok\"}]}";

    static final String REFUSAL = "{\"detail\":\"401: model server refused the API key\"}";

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    volatile Mode mode = Mode.TWO_CHUNKS;
    volatile CompletableFuture<Void> releaseRest = new CompletableFuture<>();
    volatile CompletableFuture<Void> connectionClosed = new CompletableFuture<>();
    final List<String> paths = new CopyOnWriteArrayList<>();
    final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
    /** Per request, in arrival order: the X-Enclave-Timeout-Ms and Authorization headers it carried. */
    final List<String> timeoutHeaders = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    /** HANG: the requests held without an answer. */
    final List<HttpServerResponse> hung = new CopyOnWriteArrayList<>();
    /** FLOOD: bytes the instance's connection accepted so far. */
    final AtomicLong flooded = new AtomicLong();

    StreamingFakeGateway() throws Exception {
        server = vertx.createHttpServer().requestHandler(this::handle);
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    void reset(Mode next) {
        mode = next;
        releaseRest = new CompletableFuture<>();
        connectionClosed = new CompletableFuture<>();
        paths.clear();
        bodies.clear();
        timeoutHeaders.clear();
        authorizations.clear();
        hung.clear();
        flooded.set(0);
    }

    private void handle(HttpServerRequest request) {
        CompletableFuture<Void> closed = connectionClosed;
        request.connection().closeHandler(v -> closed.complete(null));
        request.body().onSuccess(body -> {
            timeoutHeaders.add(String.valueOf(request.getHeader("X-Enclave-Timeout-Ms")));
            authorizations.add(String.valueOf(request.getHeader("Authorization")));
            paths.add(request.path());
            bodies.add(body.toJsonObject());
            HttpServerResponse response = request.response();
            Context context = Vertx.currentContext();
            switch (mode) {
                case TWO_CHUNKS -> {
                    response.setChunked(true).putHeader("Content-Type", "text/event-stream");
                    response.write("def ");
                    releaseRest.thenRun(() -> context.runOnContext(v -> {
                        response.write("add(a, b)");
                        response.end();
                    }));
                }
                case ENDLESS -> {
                    response.setChunked(true).putHeader("Content-Type", "text/event-stream");
                    response.write("first");
                }
                case FLOOD -> {
                    response.setChunked(true).putHeader("Content-Type", "text/event-stream");
                    flood(response, Buffer.buffer("x".repeat(16 * 1024)));
                }
                case REFUSE -> response.setStatusCode(421).putHeader("Content-Type", "application/json").end(REFUSAL);
                case HANG -> hung.add(response);
                case RESET -> request.connection().close();
                case ANSWER -> answer(request.path(), response);
            }
        });
    }

    private static void answer(String path, HttpServerResponse response) {
        if (path.endsWith("/chat/agent")) {
            response.putHeader("Content-Type", "application/x-ndjson").end(CHAT_EVENT);
        } else {
            response.putHeader("Content-Type", "application/json").end(COMPLETION);
        }
    }

    /** Answers every hung request with a chat event, and answers new requests at once from now on. */
    void answerHung() {
        mode = Mode.ANSWER;
        List<HttpServerResponse> held = List.copyOf(hung);
        hung.clear();
        for (HttpServerResponse response : held) {
            vertx.runOnContext(v -> {
                if (!response.closed()) {
                    response.putHeader("Content-Type", "application/x-ndjson").end(CHAT_EVENT);
                }
            });
        }
    }

    /** Writes while the connection takes it; waits for it to drain otherwise, as a well-behaved server does. */
    private void flood(HttpServerResponse response, Buffer chunk) {
        while (!response.writeQueueFull() && !response.closed()) {
            response.write(chunk);
            flooded.addAndGet(chunk.length());
        }
        if (!response.closed()) {
            response.drainHandler(v -> flood(response, chunk));
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
