package dev.enclave.gateway;

import io.restassured.RestAssured;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a raw socket, for what a test must see byte for byte: a streamed
 * body read chunk by chunk as it arrives (no SSE parsing, no buffering), and a client that just
 * goes away mid-answer.
 */
final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    final int status;
    final Map<String, String> headers;
    private final boolean chunked;
    private boolean ended;

    private RawHttp(Socket socket, InputStream in, int status, Map<String, String> headers) {
        this.socket = socket;
        this.in = in;
        this.status = status;
        this.headers = headers;
        this.chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
    }

    /** POSTs {@code json} to the gateway under test with a valid token for {@code scopes}; returns once the head arrived. */
    private static String extra(Map<String, String> headers) {
        StringBuilder lines = new StringBuilder();
        headers.forEach((name, value) -> lines.append(name).append(": ").append(value).append("\r\n"));
        return lines.toString();
    }

    static RawHttp post(String path, List<String> scopes, String json) throws IOException {
        return post(path, scopes, json, Map.of());
    }

    /** As {@link #post(String, List, String)}, with {@code extraHeaders} (a deadline, say). */
    static RawHttp post(String path, List<String> scopes, String json, Map<String, String> extraHeaders)
            throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), RestAssured.port);
        // a safety net against a hang: each read gives up after this long
        socket.setSoTimeout(20_000);
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + RestAssured.port + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Accept: */*\r\n"
                + "Authorization: Bearer " + TestTokens.valid(scopes) + "\r\n"
                + "X-Gitlab-Authentication-Type: oidc\r\n"
                + "X-Gitlab-Realm: self-managed\r\n"
                + "X-Gitlab-Instance-Id: " + TestTokens.INSTANCE_ID + "\r\n"
                + "X-Request-ID: req-" + System.nanoTime() + "\r\n"
                + extra(extraHeaders)
                + "Content-Length: " + body.length + "\r\n\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        InputStream in = socket.getInputStream();
        String[] lines = readHead(in).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        return new RawHttp(socket, in, status, headers);
    }

    /** The next chunk's bytes as the gateway wrote them; null at the end of the body. */
    byte[] nextChunk() throws IOException {
        if (ended) {
            return null;
        }
        if (!chunked) {
            ended = true;
            String length = headers.get("content-length");
            return length == null ? in.readAllBytes() : in.readNBytes(Integer.parseInt(length));
        }
        int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
        if (size == 0) {
            readLine(in);
            ended = true;
            return null;
        }
        byte[] data = in.readNBytes(size);
        readLine(in);
        return data;
    }

    /** Reads chunks until the body so far ends with {@code expected}; returns the body so far. */
    String readUntil(StringBuilder soFar, String expected) throws IOException {
        while (!soFar.toString().endsWith(expected)) {
            byte[] chunk = nextChunk();
            if (chunk == null) {
                throw new IOException("the body ended before \"" + expected + "\"; it was \"" + soFar + "\"");
            }
            soFar.append(new String(chunk, StandardCharsets.UTF_8));
        }
        return soFar.toString();
    }

    /** The rest of the body, raw. */
    byte[] readRest() throws IOException {
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        for (byte[] chunk = nextChunk(); chunk != null; chunk = nextChunk()) {
            rest.write(chunk);
        }
        return rest.toByteArray();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (;;) {
            int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
            if (size == 0) {
                readLine(in);
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            readLine(in);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            head.append(line).append("\r\n");
        }
        return head.toString();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (;;) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed mid-line");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
    }
}
