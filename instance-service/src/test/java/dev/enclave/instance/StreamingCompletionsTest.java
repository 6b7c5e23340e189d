package dev.enclave.instance;

import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code stream: true} on code suggestions: the gateway's raw text chunks reach the editor as
 * they arrive, as raw bytes under {@code text/event-stream}; errors pass through; a disconnect
 * closes the gateway connection; a reader that stops reading stops the gateway's writes.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class StreamingCompletionsTest {

    /** Guards against a hang if chunks were held back; not a speed bound. */
    static final long GUARD_SECONDS = 20;

    static StreamingFakeGateway gateway;

    @Inject
    TestData data;

    @Inject
    dev.enclave.instance.service.AiTokenCache aiTokens;

    @TestHTTPResource("/api/v4/code_suggestions/completions")
    URI completions;

    String token;
    String admin;

    @BeforeAll
    static void startGateway() throws Exception {
        gateway = new StreamingFakeGateway();
    }

    @AfterAll
    static void stopGateway() throws Exception {
        gateway.close();
    }

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"token\":\"h.p.s\",\"expires_at\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")));
        aiTokens.invalidateAll();
        gateway.reset(StreamingFakeGateway.Mode.TWO_CHUNKS);
        User user = data.user(User.ACTIVE);
        data.giveDuoSeat(user);
        token = data.token(user, Set.of("ai_features"), LocalDate.now().plusDays(1));
        admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        SelfHostedModel model = data.model("stream-key");
        data.route("code_completions", model);
        data.route("code_generations", model);
        gatewayAt(gateway.url());
    }

    @AfterEach
    void restoreGateway() {
        gateway.releaseRest.complete(null);
        gatewayAt("");
    }

    private void gatewayAt(String url) {
        given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON).body(Map.of("ai_gateway_url", url))
                .put("/api/v4/admin/ai/settings").then().statusCode(200);
    }

    private static String body(String intent) {
        return "{\"intent\":\"" + intent + "\",\"stream\":true,\"current_file\":{\"file_name\":\"a.py\","
                + "\"content_above_cursor\":\"def \"}}";
    }

    private HttpResponse<InputStream> send(String json) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(completions).header("PRIVATE-TOKEN", token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
                .get(GUARD_SECONDS, TimeUnit.SECONDS);
    }

    private static byte[] readExactly(InputStream in, int n) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return in.readNBytes(n);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).get(GUARD_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void chunksArePassedThroughAsRawBytesAsTheyArrive() throws Exception {
        HttpResponse<InputStream> response = send(body("completion"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        assertThat(response.headers().firstValue("X-Request-ID")).isPresent();
        byte[] first = readExactly(response.body(), 4);
        assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("def ");
        // The editor has the first chunk while the gateway has not yet produced the rest.
        assertThat(gateway.releaseRest).isNotDone();

        gateway.releaseRest.complete(null);
        byte[] rest = CompletableFuture.supplyAsync(() -> {
            try {
                return response.body().readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).get(GUARD_SECONDS, TimeUnit.SECONDS);
        // Exactly the gateway's bytes: no SSE "data:" framing, no added newlines.
        assertThat(new String(rest, StandardCharsets.UTF_8)).isEqualTo("add(a, b)");

        assertThat(gateway.paths).containsExactly("/v2/code/completions");
        assertThat(gateway.bodies.get(0).getBoolean("stream")).isTrue();
        assertThat(gateway.bodies.get(0).getString("model_api_key")).isEqualTo("stream-key");
    }

    @Test
    void generationsStreamToo() throws Exception {
        gateway.releaseRest.complete(null);
        HttpResponse<InputStream> response = send(body("generation"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("def add(a, b)");
        assertThat(gateway.paths).containsExactly("/v2/code/generations");
    }

    @Test
    void gatewayErrorsPassThroughUnchangedWhenStreaming() throws Exception {
        gateway.reset(StreamingFakeGateway.Mode.REFUSE);
        HttpResponse<InputStream> response = send(body("completion"));
        assertThat(response.statusCode()).isEqualTo(421);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo(StreamingFakeGateway.REFUSAL);
    }

    @Test
    void refusalsBeforeTheGatewayKeepTheirGitLabShape() {
        data.disable("code_completions");
        given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON).body(body("completion"))
                .post("/api/v4/code_suggestions/completions").then().statusCode(401)
                .header("X-GitLab-Error-Origin", "monolith")
                .body("message", org.hamcrest.Matchers.equalTo("401 Unauthorized"));
        assertThat(gateway.paths).isEmpty();
    }

    @Test
    void editorDisconnectClosesTheGatewayConnection() throws Exception {
        gateway.reset(StreamingFakeGateway.Mode.ENDLESS);
        try (Socket socket = new Socket(completions.getHost(), completions.getPort())) {
            sendRaw(socket, body("completion"));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            CompletableFuture.runAsync(() -> {
                try {
                    byte[] buffer = new byte[1024];
                    while (!seen.toString(StandardCharsets.UTF_8).contains("first")) {
                        int n = in.read(buffer);
                        if (n < 0) {
                            break;
                        }
                        seen.write(buffer, 0, n);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).get(GUARD_SECONDS, TimeUnit.SECONDS);
            assertThat(seen.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 200").contains("first");
            assertThat(gateway.connectionClosed).isNotDone();
        }
        // The editor is gone: the instance must close its gateway connection (so the model stops).
        gateway.connectionClosed.get(GUARD_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void aReaderThatStopsReadingStopsTheGatewaysWrites() throws Exception {
        gateway.reset(StreamingFakeGateway.Mode.FLOOD);
        try (Socket socket = new Socket(completions.getHost(), completions.getPort())) {
            socket.setReceiveBufferSize(64 * 1024);
            sendRaw(socket, body("completion"));
            // Read nothing. Once every buffer on the way is full the gateway cannot write more.
            long previous = -1;
            long current = gateway.flooded.get();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
            while (current != previous && System.nanoTime() < deadline) {
                Thread.sleep(500);
                previous = current;
                current = gateway.flooded.get();
            }
            assertThat(current).as("bytes the gateway could write to a stalled editor").isPositive()
                    .isLessThan(64L * 1024 * 1024);
            assertThat(current).as("the gateway's writes stalled").isEqualTo(previous);
        }
        gateway.connectionClosed.get(GUARD_SECONDS, TimeUnit.SECONDS);
    }

    private void sendRaw(Socket socket, String json) throws IOException {
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + completions.getPath() + " HTTP/1.1\r\nHost: " + completions.getHost() + "\r\n"
                + "PRIVATE-TOKEN: " + token + "\r\nContent-Type: application/json\r\nContent-Length: "
                + payload.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(payload);
        out.flush();
    }
}
