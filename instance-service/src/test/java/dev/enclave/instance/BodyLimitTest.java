package dev.enclave.instance;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12 #6: a body over {@code quarkus.http.limits.max-body-size} (1M) is refused with 413 from
 * its headers alone: a 9 MB Content-Length is answered before a single byte of the body is sent,
 * so nothing of it is read into the heap, whoever the caller is. (Bodies under the limit still
 * reach the endpoints: CodeSuggestionsTest's 600,001-byte body gets the instance's own 413.)
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class BodyLimitTest {

    @Test
    void aNineMegabyteBodyIsRefusedBeforeItIsSent() throws Exception {
        for (String path : new String[] {"/api/v4/code_suggestions/completions", "/oauth/token", "/api/v4/user"}) {
            String status = statusLineWithoutSendingTheBody(path, 9L * 1024 * 1024);
            assertThat(status).as(path).startsWith("HTTP/1.1 413");
        }
    }

    /** Sends only the headers announcing {@code length} bytes and reads the status line (10 s at most). */
    private static String statusLineWithoutSendingTheBody(String path, long length) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(headers(path, length));
            out.flush();
            return readStatusLine(socket.getInputStream());
        }
    }

    private static byte[] headers(String path, long length) {
        return ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String readStatusLine(InputStream in) throws Exception {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            line.write(c);
        }
        return line.toString(StandardCharsets.US_ASCII).trim();
    }
}
