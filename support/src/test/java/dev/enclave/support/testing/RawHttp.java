package dev.enclave.support.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what an HTTP client library will not do: announce a body and
 * not send it, or stream a chunked body that never ends. Shared by every service's body-limit
 * tests (support's test jar). Loopback only.
 */
public final class RawHttp {

    private RawHttp() {
    }

    /** What the server answered before it closed the connection. */
    public record Answer(String statusLine, String headers, String body) {

        public int status() {
            String[] parts = statusLine.split(" ");
            return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
        }

        /** The value of a response header (case-insensitive name), or null. */
        public String header(String name) {
            for (String line : headers.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /** A POST whose headers announce {@code length} bytes of JSON, none of which is sent. */
    public static Answer declaredOnly(int port, String path, long length) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(head(path, Map.of(), "Content-Length: " + length));
            out.flush();
            return answer(socket.getInputStream());
        }
    }

    /**
     * A chunked POST that keeps sending 64 KiB pieces of {@code 'a'} up to {@code total} bytes (from
     * another thread), for as long as the server reads them; returns what the server answered.
     */
    public static Answer endlessChunked(int port, String path, long total) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(head(path, Map.of(), "Transfer-Encoding: chunked"));
            byte[] piece = new byte[64 * 1024];
            Arrays.fill(piece, (byte) 'a');
            Thread writer = new Thread(() -> {
                try {
                    for (long sent = 0; sent < total; sent += piece.length) {
                        writeChunk(out, piece);
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (IOException e) {
                    // the server refused and closed the connection: expected
                }
            });
            writer.start();
            Answer answer = answer(socket.getInputStream());
            writer.join(30_000);
            return answer;
        }
    }

    /** A complete chunked POST of {@code body}, sent in two chunks, with the given extra headers. */
    public static Answer chunked(int port, String path, Map<String, String> headers, byte[] body) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(head(path, headers, "Transfer-Encoding: chunked\r\nConnection: close"));
            int half = body.length / 2;
            writeChunk(out, Arrays.copyOfRange(body, 0, half));
            writeChunk(out, Arrays.copyOfRange(body, half, body.length));
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return answer(socket.getInputStream());
        }
    }

    private static byte[] head(String path, Map<String, String> headers, String framing) {
        StringBuilder head = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: localhost\r\n")
                .append("Content-Type: application/json\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append(framing).append("\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void writeChunk(OutputStream out, byte[] piece) throws IOException {
        out.write((Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(piece);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Answer answer(InputStream in) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int read;
        try {
            while ((read = in.read(buffer)) > 0) {
                all.write(buffer, 0, read);
            }
        } catch (IOException e) {
            // the server closes the connection after its answer; what arrived is kept
        }
        String text = all.toString(StandardCharsets.UTF_8);
        int lineEnd = text.indexOf("\r\n");
        int headEnd = text.indexOf("\r\n\r\n");
        if (lineEnd < 0) {
            return new Answer(text, "", "");
        }
        String headers = headEnd < 0 ? text.substring(lineEnd + 2) : text.substring(lineEnd + 2, headEnd);
        String body = headEnd < 0 ? "" : text.substring(headEnd + 4);
        if ("chunked".equalsIgnoreCase(new Answer("", headers, "").header("Transfer-Encoding"))) {
            body = dechunk(body);
        }
        return new Answer(text.substring(0, lineEnd), headers, body);
    }

    private static String dechunk(String chunked) {
        StringBuilder body = new StringBuilder();
        int at = 0;
        while (at < chunked.length()) {
            int sizeEnd = chunked.indexOf("\r\n", at);
            if (sizeEnd < 0) {
                break;
            }
            int size = Integer.parseInt(chunked.substring(at, sizeEnd).split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            // sizes are bytes; the bodies these tests read are ASCII JSON
            body.append(chunked, sizeEnd + 2, Math.min(chunked.length(), sizeEnd + 2 + size));
            at = sizeEnd + 2 + size + 2;
        }
        return body.toString();
    }
}
