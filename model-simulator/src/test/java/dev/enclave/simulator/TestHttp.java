package dev.enclave.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** A small HTTP/1.1 client for talking to an embedded simulator the way a real caller would. */
final class TestHttp {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String KEY = "sim-key";

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private TestHttp() {
    }

    static HttpResponse<String> get(String url, String key) throws IOException, InterruptedException {
        return send(request(url, key).GET().build());
    }

    static HttpResponse<String> post(String url, String key, String body) throws IOException, InterruptedException {
        return send(request(url, key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    static HttpRequest.Builder request(String url, String key) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (key != null) {
            builder.header("Authorization", "Bearer " + key);
        }
        return builder;
    }

    static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return CLIENT.send(request, handler);
    }

    static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Splits an SSE body into event payloads, asserting the {@code data: <payload>\n\n} framing. */
    static List<String> events(String body) {
        assertThat(body).endsWith("\n\n");
        List<String> events = Arrays.asList(body.split("\n\n"));
        assertThat(events).allSatisfy(event -> assertThat(event).startsWith("data: "));
        return events.stream().map(event -> event.substring("data: ".length())).toList();
    }

    /** The JSON chunks of a complete stream, after checking that it ends with {@code [DONE]}. */
    static List<JsonNode> chunks(String body) {
        List<String> events = events(body);
        assertThat(events).last().isEqualTo("[DONE]");
        return events.subList(0, events.size() - 1).stream().map(TestHttp::json).toList();
    }
}
