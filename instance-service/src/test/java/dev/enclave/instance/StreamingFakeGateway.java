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
        REFUSE
    }

    static final String REFUSAL = "{\"detail\":\"401: model server refused the API key\"}";

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    volatile Mode mode = Mode.TWO_CHUNKS;
    volatile CompletableFuture<Void> releaseRest = new CompletableFuture<>();
    volatile CompletableFuture<Void> connectionClosed = new CompletableFuture<>();
    final List<String> paths = new CopyOnWriteArrayList<>();
    final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
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
        flooded.set(0);
    }

    private void handle(HttpServerRequest request) {
        CompletableFuture<Void> closed = connectionClosed;
        request.connection().closeHandler(v -> closed.complete(null));
        request.body().onSuccess(body -> {
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
            }
        });
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
