package dev.enclave.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * model-adapter as the gateway sees it, over a raw socket so that a test controls every byte and
 * every moment: a call with {@code "stream": true} whose model identifier has a {@link Script}
 * gets that script's NDJSON stream (deltas written and flushed one by one, waits on latches, an
 * error event, a dropped connection) and records what the gateway did (the call it sent, whether
 * it closed the connection early). Every other call is passed, byte for byte, to the WireMock
 * stubs of {@link FakeIssuerAndAdapter}, so that the tests of JSON answers keep stubbing and
 * verifying there. Each exchange ends with the connection ({@code Connection: close}), except
 * for a script that {@link Script#keepAlive() keeps it alive}.
 */
final class FakeStreamingAdapter implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Script> SCRIPTS = new ConcurrentHashMap<>();

    private final ServerSocket server;
    private final int wireMockPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-streaming-adapter");
        t.setDaemon(true);
        return t;
    });

    FakeStreamingAdapter(int wireMockPort) throws IOException {
        this.wireMockPort = wireMockPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Streams for calls whose {@code model.identifier} is {@code identifier}. */
    static Script script(String identifier) {
        Script script = new Script();
        SCRIPTS.put(identifier, script);
        return script;
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            boolean again = true;
            while (again) {
                String head;
                try {
                    head = readHead(in);
                } catch (EOFException e) {
                    // a kept-alive connection the gateway closed between two calls
                    return;
                }
                connections.computeIfAbsent(socket, s -> new AtomicLong()).incrementAndGet();
                calls.incrementAndGet();
                Map<String, String> headers = headers(head);
                byte[] body = readBody(in, headers);
                JsonNode call = parse(body);
                Script script = call == null ? null : SCRIPTS.get(call.path("model").path("identifier").asText());
                if (script != null && !call.path("stream").asBoolean(false) && !script.hangJson) {
                    script = null;
                }
                if (script == null) {
                    forward(socket, head, body);
                    return;
                }
                again = script.run(socket, headers, new String(body, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the gateway went away: nothing to answer
        } finally {
            connections.remove(socket);
        }
    }

    /** Every call the gateway made to model-adapter, JSON or streamed, since the fake started. */
    final AtomicLong calls = new AtomicLong();

    /** Calls served on each connection still open: more than one means the gateway reused it. */
    final Map<Socket, AtomicLong> connections = new ConcurrentHashMap<>();

    private static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /** Passes the call to WireMock and its answer back; a reset from WireMock becomes a reset here. */
    private void forward(Socket gateway, String head, byte[] body) throws IOException {
        StringBuilder request = new StringBuilder();
        for (String line : head.split("\r\n")) {
            if (!line.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                request.append(line).append("\r\n");
            }
        }
        request.append("Connection: close\r\n\r\n");
        try (Socket wireMock = new Socket(InetAddress.getLoopbackAddress(), wireMockPort)) {
            OutputStream out = wireMock.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            try {
                wireMock.getInputStream().transferTo(gateway.getOutputStream());
            } catch (IOException e) {
                gateway.setSoLinger(true, 0);
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    throw new EOFException("connection closed before a request");
                }
                throw new IOException("connection closed in the request head");
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1).trim();
    }

    private static Map<String, String> headers(String head) {
        Map<String, String> headers = new LinkedHashMap<>();
        String[] lines = head.split("\r\n");
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        return headers;
    }

    private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
        String length = headers.get("content-length");
        if (length != null) {
            return in.readNBytes(Integer.parseInt(length));
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            return RawHttp.readChunked(in);
        }
        return new byte[0];
    }

    /** What model-adapter does for one streamed call, step by step, and what it saw the gateway do. */
    static final class Script {
        private final List<Step> steps = new ArrayList<>();
        /** Counted down when the gateway closed the connection while a step waited for it. */
        final CountDownLatch gatewayClosed = new CountDownLatch(1);
        /** Counted down once every step ran (a flood wrote everything, say). */
        final CountDownLatch finished = new CountDownLatch(1);
        final AtomicLong bytesWritten = new AtomicLong();
        /** Counted down when a flood wrote all its deltas: a gateway that stopped reading never lets it. */
        final CountDownLatch floodWritten = new CountDownLatch(1);
        volatile String requestBody;
        volatile Map<String, String> requestHeaders;
        private volatile String refusal;
        private volatile boolean keepAlive;
        /** Streamed calls this script answered. */
        final AtomicLong calls = new AtomicLong();
        private volatile boolean hangJson;
        /** Calls (JSON ones included, for {@link #hangJson()}) whose connection the gateway closed while they hung. */
        final AtomicLong closedWhileHanging = new AtomicLong();

        /**
         * JSON calls (no {@code stream}) too: each answers nothing at all, a hung model-adapter, until
         * the gateway closes (or resets) its connection, which {@link #closedWhileHanging} counts.
         */
        Script hangJson() {
            hangJson = true;
            return this;
        }

        private interface Step {
            /** @return false when the exchange ended in this step */
            boolean run(Socket socket, OutputStream out) throws IOException;
        }

        Script delta(String text) {
            return event(Map.of("type", "delta", "text", text));
        }

        Script done(String finishReason) {
            Map<String, Object> done = new LinkedHashMap<>();
            done.put("type", "done");
            done.put("finish_reason", finishReason);
            done.put("model", "fake-model");
            done.put("usage", Map.of("prompt_tokens", 3, "completion_tokens", 2));
            return event(done);
        }

        Script error(String error, String message) {
            return event(Map.of("type", "error", "error", error, "message", message));
        }

        /** Waits (at most 30 s) until the test releases the latch. */
        Script await(CountDownLatch latch) {
            steps.add((socket, out) -> {
                try {
                    if (!latch.await(30, TimeUnit.SECONDS)) {
                        throw new IOException("the test never released the stream");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                return true;
            });
            return this;
        }

        /** Waits for the gateway to close the connection, as a model-adapter would notice a cancel. */
        Script awaitClose() {
            steps.add((socket, out) -> {
                try {
                    socket.setSoTimeout(30_000);
                    while (socket.getInputStream().read() >= 0) {
                        // the gateway sends nothing more on this connection; anything else is read and dropped
                    }
                    gatewayClosed.countDown();
                } catch (IOException e) {
                    // a reset is a close too; a timeout is not
                    if (!(e instanceof java.net.SocketTimeoutException)) {
                        gatewayClosed.countDown();
                    }
                }
                return false;
            });
            return this;
        }

        /**
         * Writes {@code count} deltas of {@code size} characters as fast as the gateway reads them;
         * if the gateway stops reading, the writes block here, and the gateway closing the
         * connection ends them.
         */
        Script flood(int count, int size) {
            String text = "x".repeat(size);
            steps.add((socket, out) -> {
                byte[] chunk = chunk(line(Map.of("type", "delta", "text", text)));
                try {
                    for (int i = 0; i < count; i++) {
                        out.write(chunk);
                        out.flush();
                        bytesWritten.addAndGet(chunk.length);
                    }
                    floodWritten.countDown();
                } catch (IOException e) {
                    gatewayClosed.countDown();
                    return false;
                }
                return true;
            });
            return this;
        }

        /** Ends the connection without the stream's last event or the terminating chunk. */
        Script drop() {
            steps.add((socket, out) -> false);
            return this;
        }

        /** Refuses the call before streaming, as model-adapter answers a non-2xx; the steps are not run. */
        Script refusing(int status, String jsonBody) {
            refusal = "HTTP/1.1 " + status + " Refused\r\nContent-Type: application/json\r\nContent-Length: "
                    + jsonBody.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + jsonBody;
            return this;
        }

        private Script event(Map<String, ?> event) {
            steps.add((socket, out) -> {
                byte[] chunk = chunk(line(event));
                out.write(chunk);
                out.flush();
                bytesWritten.addAndGet(chunk.length);
                return true;
            });
            return this;
        }

        private static byte[] line(Map<String, ?> event) throws IOException {
            return (JSON.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8);
        }

        private static byte[] chunk(byte[] data) {
            byte[] size = (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            byte[] chunk = new byte[size.length + data.length + 2];
            System.arraycopy(size, 0, chunk, 0, size.length);
            System.arraycopy(data, 0, chunk, size.length, data.length);
            chunk[chunk.length - 2] = '\r';
            chunk[chunk.length - 1] = '\n';
            return chunk;
        }

        /**
         * Keeps the connection open after a whole stream, as model-adapter (Vert.x) does, unless the
         * gateway asked for {@code Connection: close}; without this, each stream ends its connection.
         */
        Script keepAlive() {
            keepAlive = true;
            return this;
        }

        /** @return true when the connection stays open for the gateway's next call */
        private boolean run(Socket socket, Map<String, String> headers, String body) throws IOException {
            requestHeaders = headers;
            requestBody = body;
            calls.incrementAndGet();
            OutputStream out = socket.getOutputStream();
            if (hangJson) {
                try {
                    socket.setSoTimeout(60_000);
                    while (socket.getInputStream().read() >= 0) {
                        // nothing more is expected; read until the gateway closes
                    }
                    closedWhileHanging.incrementAndGet();
                } catch (java.net.SocketTimeoutException e) {
                    // still open after a minute: not counted
                } catch (IOException e) {
                    closedWhileHanging.incrementAndGet();
                }
                finished.countDown();
                return false;
            }
            if (refusal != null) {
                out.write(refusal.getBytes(StandardCharsets.UTF_8));
                out.flush();
                finished.countDown();
                return false;
            }
            boolean reusable = keepAlive && !"close".equalsIgnoreCase(headers.get("connection"));
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                    + "Transfer-Encoding: chunked\r\n" + (reusable ? "" : "Connection: close\r\n") + "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            for (Step step : steps) {
                if (!step.run(socket, out)) {
                    finished.countDown();
                    return false;
                }
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            finished.countDown();
            return reusable;
        }
    }
}
