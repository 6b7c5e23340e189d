package dev.enclave.bench;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The generator against a local server whose answers it knows: what it counts, and how it times chunks. */
class LoadGeneratorTest {

    private HttpServer server;
    private final AtomicInteger served = new AtomicInteger();
    private LoadGenerator generator;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        // Two chunks, the second one 60 ms after the first.
        server.createContext("/stream", exchange -> {
            exchange.getRequestBody().readAllBytes();
            served.incrementAndGet();
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("first".getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(60);
                out.write("second".getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.createContext("/limited", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"message\":\"429 Too Many Requests\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(429, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        generator = new LoadGenerator(Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        generator.close();
        server.stop(0);
    }

    private LoadGenerator.Target target(String path) {
        return new LoadGenerator.Target(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path),
                Map.of("X-Test", "1"), "{\"stream\":true}");
    }

    @Test
    void timesTheFirstAndTheLastChunkOfEachAnswer() {
        LoadGenerator.Result result = generator.run(target("/stream"), 2, Duration.ofSeconds(1), Duration.ofSeconds(3), 1000);

        assertThat(result.errors()).isZero();
        assertThat(result.successes()).isPositive().isLessThanOrEqualTo(served.get());
        assertThat(result.bodyBytes()).isEqualTo(result.successes() * "firstsecond".length());
        assertThat(result.chunks()).isGreaterThanOrEqualTo(2 * result.successes());
        assertThat(result.firstChunk().getValueAtPercentile(50))
                .isLessThan(result.lastChunk().getValueAtPercentile(50));
        assertThat(result.lastChunk().getTotalCount()).isEqualTo(result.successes());
    }

    @Test
    void countsOtherStatusesAsErrorsByStatus() {
        LoadGenerator.Result result = generator.run(target("/limited"), 1, Duration.ZERO, Duration.ofMillis(300), 50);

        assertThat(result.successes()).isZero();
        assertThat(result.errors()).isPositive().isLessThanOrEqualTo(50);
        assertThat(result.errorKinds()).containsOnlyKeys("429");
        assertThat(result.lastChunk().getTotalCount()).isZero();
    }

    @Test
    void connectionFailuresAreErrorsToo() throws IOException {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        LoadGenerator.Result result = generator.run(new LoadGenerator.Target(
                URI.create("http://127.0.0.1:" + closedPort + "/x"), Map.of(), "{}"), 1, Duration.ZERO,
                Duration.ofMillis(200), 20);
        assertThat(result.successes()).isZero();
        assertThat(result.errors()).isPositive();
    }
}
