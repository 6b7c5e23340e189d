package dev.enclave.systemtests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 POST over its own socket, read as it arrives: each piece of the body (an HTTP
 * chunk of a chunked answer) is stamped with the time it was read, and the caller can close the
 * socket at any point to play an editor that goes away. A plain socket, because the JDK's client
 * pools connections and buffers, so it can neither show when a chunk arrived nor close exactly one
 * connection on demand.
 */
final class StreamingExchange implements AutoCloseable {

    /** A body piece and when it was read (System.nanoTime()). */
    record Piece(long arrivedNanos, byte[] bytes) {
    }

    /** How the body ended. */
    enum End {
        /** the terminating zero-length chunk (or the whole Content-Length) arrived */
        COMPLETE,
        /** the server closed the connection before the body was complete */
        CUT,
        /** the connection failed (reset) before the body was complete */
        FAILED
    }

    private final Socket socket;
    private final InputStream in;
    final long sentNanos;
    final int status;
    final Map<String, String> headers;
    private final boolean chunked;
    private long remaining;
    private End end;

    private StreamingExchange(Socket socket, InputStream in, long sentNanos, int status, Map<String, String> headers) {
        this.socket = socket;
        this.in = in;
        this.sentNanos = sentNanos;
        this.status = status;
        this.headers = headers;
        this.chunked = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked");
        this.remaining = chunked ? 0 : Long.parseLong(headers.getOrDefault("content-length", "-1"));
    }

    /** @param readTimeout the longest a single read may block: a hung stream fails the test instead of hanging it */
    static StreamingExchange post(URI uri, Map<String, String> headers, String body, Duration readTimeout)
            throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 2000);
        socket.setSoTimeout((int) readTimeout.toMillis());
        byte[] payload = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST ").append(uri.getRawPath()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Content-Length: ").append(payload.length).append("\r\n")
                .append("Connection: close\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("\r\n");
        OutputStream out = socket.getOutputStream();
        long sent = System.nanoTime();
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        out.write(payload);
        out.flush();
        // Buffered: a piece's time is when the bytes came off the socket, read as soon as they are there.
        InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
        String statusLine = readLine(in);
        if (statusLine == null || !statusLine.startsWith("HTTP/1.1 ")) {
            socket.close();
            throw new IOException("Not an HTTP/1.1 answer: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> answerHeaders = new LinkedHashMap<>();
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                answerHeaders.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return new StreamingExchange(socket, in, sent, status, answerHeaders);
    }

    String contentType() {
        return headers.getOrDefault("content-type", "");
    }

    /** The next body piece, or null at the end of the body (see {@link #end()}). */
    Piece next() throws IOException {
        if (end != null) {
            return null;
        }
        try {
            if (chunked) {
                String sizeLine = readLine(in);
                if (sizeLine == null) {
                    end = End.CUT;
                    return null;
                }
                int semicolon = sizeLine.indexOf(';');
                long size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                if (size == 0) {
                    while (true) {
                        String trailer = readLine(in);
                        if (trailer == null || trailer.isEmpty()) {
                            break;
                        }
                    }
                    end = End.COMPLETE;
                    return null;
                }
                byte[] bytes = in.readNBytes((int) size);
                long arrived = System.nanoTime();
                if (bytes.length < size) {
                    end = End.CUT;
                    return bytes.length == 0 ? null : new Piece(arrived, bytes);
                }
                readLine(in); // the CRLF after the chunk's data
                return new Piece(arrived, bytes);
            }
            if (remaining == 0) {
                end = End.COMPLETE;
                return null;
            }
            byte[] buffer = new byte[8192];
            int n = in.read(buffer, 0, remaining > 0 ? (int) Math.min(buffer.length, remaining) : buffer.length);
            if (n < 0) {
                end = remaining < 0 ? End.COMPLETE : End.CUT;
                return null;
            }
            if (remaining > 0) {
                remaining -= n;
            }
            return new Piece(System.nanoTime(), java.util.Arrays.copyOf(buffer, n));
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException | NumberFormatException e) {
            end = End.FAILED;
            return null;
        }
    }

    /** Reads to the end of the body. */
    List<Piece> readAll() throws IOException {
        List<Piece> pieces = new ArrayList<>();
        for (Piece piece = next(); piece != null; piece = next()) {
            pieces.add(piece);
        }
        return pieces;
    }

    /** How the body ended; null while it is still being read. */
    End end() {
        return end;
    }

    static String text(List<Piece> pieces) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        pieces.forEach(p -> all.writeBytes(p.bytes()));
        return all.toString(StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing is all we wanted
        }
    }
}
