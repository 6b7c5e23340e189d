package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.stream.Stream;

import static dev.enclave.token.OAuthTestClient.INSTANCE_ID;
import static dev.enclave.token.OAuthTestClient.INSTANCE_SECRET;
import static dev.enclave.token.OAuthTestClient.REDIRECT_URI;
import static dev.enclave.token.OAuthTestClient.app;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, finding 13: input that ends in a 500 (numbers beyond what a timestamp or an int holds,
 * {@code %zz}, strings longer than their column, bodies that are not JSON) is a 4xx with an
 * RFC 6749 error body that says what is wrong, on every endpoint that takes it.
 */
@QuarkusTest
class BadInputTest {

    /** {@code body}: JSON for the internal API, a form for {@code /oauth/*}; {@code {app}} is a client id. */
    record Case(String method, String path, String contentType, String body, int status, String error,
                String description) {
        @Override
        public String toString() {
            return method + " " + path + (body == null ? "" : " " + (body.length() > 60
                    ? body.substring(0, 60) + "..." : body)) + " -> " + status + " " + error;
        }
    }

    static final String JSON = "application/json";
    static final String FORM = "application/x-www-form-urlencoded";

    static String longer(int max) {
        return "a".repeat(max + 1);
    }

    static Case json(String method, String path, String body, int status, String error, String description) {
        return new Case(method, path, JSON, body, status, error, description);
    }

    static Case form(String path, String body, int status, String error, String description) {
        return new Case("POST", path, FORM, body, status, error, description);
    }

    static Stream<Case> cases() {
        return Stream.of(
                // Numbers beyond a timestamp's range (PostgreSQL's ends in the year 294276) or a long's.
                json("GET", "/internal/v1/revocations?since=9223372036854775807", null, 400, "invalid_request",
                        "since must be epoch milliseconds"),
                json("GET", "/internal/v1/revocations?since=-9223372036854775808", null, 400, "invalid_request",
                        "since must be epoch milliseconds"),
                json("GET", "/internal/v1/revocations?since=99999999999999999999", null, 400, "invalid_request",
                        "since must be epoch milliseconds"),
                json("GET", "/internal/v1/composite-token-events?after=99999999999999999999", null, 400,
                        "invalid_request", "after must be an integer"),
                json("GET", "/internal/v1/composite-token-events?limit=2147483648", null, 400, "invalid_request",
                        "limit must be an integer"),
                json("DELETE", "/internal/v1/applications/99999999999999999999", null, 404, "not_found", null),
                json("DELETE", "/internal/v1/applications/%25zz", null, 404, "not_found", null),
                json("POST", "/internal/v1/grants", "{\"application_id\":\"{app}\",\"resource_owner_id\":1e400,"
                        + "\"scopes\":\"api\",\"redirect_uri\":\"" + REDIRECT_URI + "\"}", 400, "invalid_request",
                        "not valid JSON"),
                json("POST", "/internal/v1/composite-tokens", "{\"application_id\":\"{app}\","
                        + "\"resource_owner_id\":99999999999999999999,\"scopes\":\"api\"}", 400, "invalid_request",
                        "not valid JSON"),
                json("POST", "/internal/v1/applications", "{\"name\":", 400, "invalid_request", "not valid JSON"),
                // Strings longer than their column.
                json("POST", "/internal/v1/applications", "{\"name\":\"" + longer(255) + "\",\"redirect_uri\":\""
                        + REDIRECT_URI + "\",\"scopes\":\"api\"}", 400, "invalid_request",
                        "name is longer than 255 characters"),
                json("POST", "/internal/v1/applications", "{\"name\":\"n\",\"redirect_uri\":\"https://x/"
                        + longer(2048) + "\",\"scopes\":\"api\"}", 400, "invalid_request",
                        "redirect_uri is longer than 2048 characters"),
                json("POST", "/internal/v1/applications", "{\"name\":\"n\",\"redirect_uri\":\"" + REDIRECT_URI
                        + "\",\"scopes\":\"api " + longer(1024) + "\"}", 400, "invalid_scope", "Unknown scopes"),
                json("POST", "/internal/v1/grants", "{\"application_id\":\"" + longer(64) + "\",\"resource_owner_id\":1,"
                        + "\"scopes\":\"api\",\"redirect_uri\":\"" + REDIRECT_URI + "\"}", 400, "invalid_request",
                        "No OAuth application"),
                json("POST", "/internal/v1/grants", "{\"application_id\":\"{app}\",\"resource_owner_id\":1,"
                        + "\"scopes\":\"api\",\"redirect_uri\":\"" + REDIRECT_URI + "\",\"code_challenge\":\""
                        + longer(128) + "\",\"code_challenge_method\":\"S256\"}", 400, "invalid_request",
                        "code_challenge"),
                json("POST", "/internal/v1/composite-tokens", "{\"application_id\":\"" + longer(64)
                        + "\",\"resource_owner_id\":1,\"scopes\":\"api user:2\"}", 404, "not_found",
                        "No OAuth application"),
                json("POST", "/internal/v1/ai-tokens", "{\"instance_id\":\"" + longer(36) + "\",\"scopes\":"
                        + "[\"complete_code\"]}", 400, "invalid_request", "instance_id must be a UUID"),
                json("POST", "/internal/v1/ai-tokens", "{\"instance_id\":\"00000000-0000-0000-0000-000000000000\","
                        + "\"scopes\":[\"complete_code\"],\"global_user_id\":\"" + longer(128) + "\"}", 400,
                        "invalid_request", "global_user_id must be 1 to 128 characters"),
                // The OAuth endpoints: long values, and escapes that do not decode.
                form("/oauth/token", "grant_type=" + longer(1900), 401, "invalid_client", null),
                form("/oauth/token", "grant_type=client_credentials&client_id={app}&client_secret=" + longer(1900),
                        401, "invalid_client", null),
                form("/oauth/token", "grant_type=authorization_code&client_id={app}&client_secret={secret}&code="
                        + longer(1900) + "&redirect_uri=" + REDIRECT_URI, 400, "invalid_grant", null),
                form("/oauth/token", "grant_type=refresh_token&client_id={app}&client_secret={secret}"
                        + "&refresh_token=" + longer(1900), 400, "invalid_grant", null),
                form("/oauth/token", "grant_type=client_credentials&audience=partner-api&client_id={app}&client_secret={secret}&scope="
                        + longer(1900), 400, "invalid_scope", null),
                form("/oauth/token", "grant_type=%zz&client_id={app}&client_secret={secret}", 400,
                        "invalid_request", "malformed %-escape"),
                form("/oauth/revoke", "client_id={app}&client_secret={secret}&token=" + longer(1900), 200, null,
                        null),
                form("/oauth/revoke", "client_id={app}&client_secret={secret}&token=%zz", 400, "invalid_request",
                        "malformed %-escape"),
                // The HTTP layer refuses a query string that does not decode, before the application: a bare 400.
                json("GET", "/internal/v1/composite-token-events?after=%zz", null, 400, null, null));
    }

    static OAuthTestClient.App client;

    @BeforeEach
    void client() {
        if (client == null) {
            client = app("api read_user user:*");
        }
    }

    private static String resolve(String text) {
        return text.replace("{app}", client.clientId()).replace("{secret}", client.secret());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isAnsweredWithAClearError(Case c) throws IOException {
        int status;
        String answer;
        if (c.contentType().equals(FORM) || c.path().contains("%zz")) {
            // Sent as bytes: HTTP clients would re-encode a malformed escape.
            String[] raw = raw(c.method(), c.path(), c.contentType().equals(FORM) ? resolve(c.body()) : null);
            status = Integer.parseInt(raw[0]);
            answer = raw[1] + " (" + raw[2] + ")";
        } else {
            RequestSpecification request = given().urlEncodingEnabled(false).auth().preemptive()
                    .basic(INSTANCE_ID, INSTANCE_SECRET);
            if (c.body() != null) {
                request = request.contentType(JSON).body(resolve(c.body()));
            }
            Response response = request.request(c.method(), c.path());
            status = response.statusCode();
            answer = response.asString();
        }
        assertThat(status).as(c + ": " + answer).isEqualTo(c.status());
        if (c.error() != null) {
            assertThat(answer).as(c.toString()).contains("\"error\":\"" + c.error() + "\"")
                    .contains("\"error_description\":\"");
        }
        if (c.description() != null) {
            assertThat(answer).as(c.toString()).contains(c.description());
        }
    }

    /** @return the status code and the body */
    private static String[] raw(String method, String path, String form) throws IOException {
        byte[] body = form == null ? new byte[0] : form.getBytes(StandardCharsets.US_ASCII);
        String headers = form != null ? "Content-Type: " + FORM + "\r\nContent-Length: " + body.length + "\r\n"
                : "Authorization: Basic " + Base64.getEncoder().encodeToString((INSTANCE_ID + ":" + INSTANCE_SECRET)
                .getBytes(StandardCharsets.US_ASCII)) + "\r\n";
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new String[]{answer.substring(9, 12), answer.substring(answer.indexOf("\r\n\r\n") + 4), answer};
        }
    }
}
