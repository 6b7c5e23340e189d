package dev.enclave.adapter.egress;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cancelling a model call resets its request. Vert.x logs a reset request without an exception
 * handler at ERROR ("Stream reset: 0", from HttpClientRequestImpl) — noise when we cancelled on
 * purpose (ai-gateway hung up). The plain reset shows the noise, so the test can tell the two apart.
 */
class QuietResetTest {

    private static final Logger VERTX_REQUESTS = Logger.getLogger("io.vertx.core.http.impl.HttpClientRequestImpl");

    private Vertx vertx;
    private HttpServer server;
    private HttpClient client;
    private final List<LogRecord> errors = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        // a model server that never answers
        server = vertx.createHttpServer().requestHandler(request -> {
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = vertx.createHttpClient();
        VERTX_REQUESTS.addHandler(capture);
    }

    @AfterEach
    void stop() throws Exception {
        VERTX_REQUESTS.removeHandler(capture);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Opens a request (connection acquired, nothing sent yet: a call cancelled while it was being set up) and resets it. */
    private void openAndReset(Consumer<HttpClientRequest> reset) throws Exception {
        HttpClientRequest request = client.request(HttpMethod.POST, server.actualPort(), "127.0.0.1", "/v1/completions")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.runOnContext(ignored -> reset.accept(request));
        // the reset is handled on the connection's event loop: wait until the request has failed
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!request.response().isComplete() && System.nanoTime() < guard) {
            Thread.sleep(10);
        }
        assertThat(request.response().failed()).isTrue();
        Thread.sleep(100); // the log call follows the failure on the same event loop turn
    }

    @Test
    void aPlainResetIsLoggedAtErrorByVertx() throws Exception {
        openAndReset(HttpClientRequest::reset);
        assertThat(errors).extracting(LogRecord::getMessage).anySatisfy(message ->
                assertThat(message).contains("Stream reset"));
    }

    @Test
    void ourResetIsNotLoggedAtError() throws Exception {
        openAndReset(EgressHttpClient::quietReset);
        assertThat(errors).isEmpty();
    }
}
