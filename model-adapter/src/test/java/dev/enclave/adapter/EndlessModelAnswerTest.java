package dev.enclave.adapter;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.enclave.adapter.GatewayCaller.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, finding 6: a model server that never stops answering (a JSON body without end, an
 * error body without end, an SSE line without a newline) gets a clear error naming the hop and the
 * limit ({@code enclave.adapter.max-answer-bytes}, 64 KiB in tests), and its connection closed once
 * the limit is passed: the adapter holds no more than the limit of it.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class EndlessModelAnswerTest {

    /** What the endless model wrote before the adapter closed its connection; a test gives up at this. */
    static final long GIVE_UP_BYTES = 256L * 1024 * 1024;

    private EndlessModel model;

    @BeforeEach
    void start() throws IOException {
        model = new EndlessModel();
    }

    @AfterEach
    void stop() throws IOException {
        model.close();
    }

    private Response call(EndlessModel.Kind kind, boolean stream) {
        model.kind = kind;
        Map<String, Object> body = new HashMap<>(Map.of("model", Map.of("provider", "openai_compatible",
                "endpoint", "http://127.0.0.1:" + model.port() + "/v1", "identifier", "endless", "api_key", "k"),
                "prompt", "x", "max_tokens", 4));
        body.put("stream", stream);
        return given().contentType(ContentType.JSON).body(body).post("/v1/completions");
    }

    private void assertBounded() throws InterruptedException {
        assertThat(model.peerClosed.await(20, TimeUnit.SECONDS)).as("the adapter closed the model's connection").isTrue();
        assertThat(model.written.get()).as("bytes the model wrote before the adapter stopped reading")
                .isLessThan(GIVE_UP_BYTES);
    }

    @Test
    void aJsonAnswerWithoutEndIsRefusedOnceOverTheLimit() throws InterruptedException {
        Response response = call(EndlessModel.Kind.JSON, false);
        response.then().statusCode(502);
        assertThat(response.jsonPath().getString("error")).isEqualTo("model_server_error");
        assertThat(response.jsonPath().getString("message")).contains("model server at http://127.0.0.1:"
                + model.port() + "/v1/completions answered with more than 65536 bytes (enclave.adapter.max-answer-bytes)");
        assertBounded();
    }

    @Test
    void anErrorBodyWithoutEndIsCutAtTheLimit() throws InterruptedException {
        Response response = call(EndlessModel.Kind.ERROR, false);
        response.then().statusCode(502);
        assertThat(response.jsonPath().getString("error")).isEqualTo("model_server_error");
        assertThat(response.asString().length()).as("the answer repeats at most a bounded part of the body")
                .isLessThan(70_000);
        assertBounded();
    }

    @Test
    void anSseLineWithoutNewlineEndsTheStreamWithAnError() throws InterruptedException {
        Response response = call(EndlessModel.Kind.SSE_LINE, true);
        // before any text: a JSON error; after: the NDJSON stream's error event. Either names the limit.
        assertThat(response.asString()).contains("model_server_error").contains("line longer than");
        assertThat(response.asString().length()).isLessThan(70_000);
        assertBounded();
    }

    /** A model server speaking OpenAI's wire format whose answer never ends. */
    static final class EndlessModel implements AutoCloseable {
        enum Kind { JSON, ERROR, SSE_LINE }

        private final ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        volatile Kind kind = Kind.JSON;
        final AtomicLong written = new AtomicLong();
        final CountDownLatch peerClosed = new CountDownLatch(1);

        EndlessModel() throws IOException {
            Thread acceptor = new Thread(this::accept, "endless-model");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread t = new Thread(() -> serve(socket), "endless-model-answer");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket) {
                readRequest(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                String head = switch (kind) {
                    case JSON -> "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
                    case ERROR -> "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n";
                    case SSE_LINE -> "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n";
                };
                String start = switch (kind) {
                    case JSON -> "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"model\":\"endless\","
                            + "\"choices\":[{\"index\":0,\"text\":\"";
                    case ERROR -> "internal error: ";
                    case SSE_LINE -> "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,"
                            + "\"text\":\"";
                };
                out.write((head + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                chunk(out, start.getBytes(StandardCharsets.UTF_8));
                byte[] piece = new byte[16 * 1024];
                Arrays.fill(piece, (byte) 'a');
                while (written.get() < GIVE_UP_BYTES) {
                    chunk(out, piece);
                }
            } catch (IOException e) {
                peerClosed.countDown();
            }
        }

        private void chunk(OutputStream out, byte[] data) throws IOException {
            out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(data);
            out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            written.addAndGet(data.length);
        }

        private static void readRequest(InputStream in) throws IOException {
            // the head, then the body by its Content-Length (the adapter sends one)
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed");
                }
                head.append((char) b);
            }
            long length = 0;
            for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(15).trim());
                }
            }
            in.readNBytes((int) length);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
