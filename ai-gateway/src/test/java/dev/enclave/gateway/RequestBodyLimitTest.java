package dev.enclave.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, finding 6: a request body over {@code quarkus.http.limits.max-body-size} is refused
 * with 413 in this service's error shape before it is read: one that declares its length at once
 * (the test sends none of it), a chunked one once it passes the limit.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class RequestBodyLimitTest {

    static final int NINE_MB = 9 * 1024 * 1024;

    /** The status line and body of the answer; the body is not sent at all. */
    private static String[] declaredOnly(long length) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), RestAssured.port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v2/code/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return answer(socket.getInputStream());
        }
    }

    private static String[] answer(InputStream in) throws IOException {
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
        int end = text.indexOf("\r\n\r\n");
        return new String[] {text.substring(0, text.indexOf("\r\n")), end < 0 ? "" : text.substring(end + 4)};
    }

    @Test
    void aNineMegabyteBodyIsRefusedUnreadWith413() throws IOException {
        String[] answer = declaredOnly(NINE_MB);
        assertThat(answer[0]).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
        assertThat(answer[1]).isEqualTo("{\"detail\":\"the request body is larger than ai-gateway's limit of 2097152 bytes"
                + " (quarkus.http.limits.max-body-size)\"}");
    }

    @Test
    void aChunkedBodyIsRefusedOnceItPassesTheLimit() throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), RestAssured.port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v2/code/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            byte[] piece = new byte[64 * 1024];
            Arrays.fill(piece, (byte) 'a');
            Thread writer = new Thread(() -> {
                try {
                    for (int sent = 0; sent < NINE_MB; sent += piece.length) {
                        out.write((Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.write(piece);
                        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (IOException e) {
                    // the server refused and closed the connection: expected
                }
            });
            writer.start();
            String[] answer = answer(socket.getInputStream());
            writer.join(30_000);
            assertThat(answer[0]).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
            assertThat(answer[1]).isEqualTo("{\"detail\":\"the request body is larger than ai-gateway's limit of 2097152 bytes"
                + " (quarkus.http.limits.max-body-size)\"}");
        }
    }

    @Test
    void aBodyUnderTheLimitIsRead() throws IOException {
        // positive control: the refusal is the size, not the route or the missing token
        String[] answer = declaredOnly(0);
        assertThat(answer[0]).doesNotContain("413");
    }
}
