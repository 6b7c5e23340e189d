package dev.enclave.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.launcher.ServiceProcess;
import dev.enclave.launcher.Suite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** The packaged suite on free loopback ports with a fresh data folder, and an HTTP client for it. */
final class RunningSuite implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    record Answer(int status, String contentType, String body, java.net.http.HttpHeaders headers) {

        Answer(int status, String contentType, String body) {
            this(status, contentType, body, java.net.http.HttpHeaders.of(Map.of(), (name, value) -> true));
        }

        /** The first value of a response header, or empty. */
        String header(String name) {
            return headers.firstValue(name).orElse("");
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("Not JSON (" + status + "): " + body, e);
            }
        }
    }

    final Suite suite;
    final Path dataDir;
    final String adminToken;
    final String modelApiKey;
    final String clientSecret;
    final Suite.Options options;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private RunningSuite(Suite suite, Suite.Options options, Path dataDir, String adminToken, String modelApiKey,
                         String clientSecret) {
        this.options = options;
        this.suite = suite;
        this.dataDir = dataDir;
        this.adminToken = adminToken;
        this.modelApiKey = modelApiKey;
        this.clientSecret = clientSecret;
    }

    static RunningSuite start() throws IOException {
        return start(Map.of());
    }

    /** @param extraProperties system properties for single services, by service name */
    static RunningSuite start(Map<String, Map<String, String>> extraProperties) throws IOException {
        Path root = Path.of(System.getProperty("enclave.root", "..")).toAbsolutePath().normalize();
        Path data = Files.createTempDirectory(Files.createDirectories(root.resolve("system-tests/target")), "suite-");
        String modelApiKey = "sim-" + UUID.randomUUID();
        String clientSecret = UUID.randomUUID().toString();
        Suite.Options options = new Suite.Options(root, data, Suite.Ports.free(), clientSecret,
                modelApiKey, Suite.Options.DEFAULT_JVM_OPTIONS, Duration.ofSeconds(90), extraProperties);
        Suite suite = Suite.start(options);
        String token = Files.readString(data.resolve("admin-token.txt")).trim();
        return new RunningSuite(suite, options, data, token, modelApiKey, clientSecret);
    }

    /**
     * A suite started elsewhere (the {@code prod} profile, {@link Suite#startProd}), driven with the
     * given admin token and instance-service's client secret at token-service.
     */
    static RunningSuite of(Suite suite, Suite.Options options, String adminToken, String instanceClientSecret) {
        return new RunningSuite(suite, options, options.dataDir(), adminToken, options.modelApiKey(),
                instanceClientSecret);
    }

    ServiceProcess service(String name) {
        return suite.service(name);
    }

    Answer post(String service, String path, Map<String, String> headers, String body) {
        return post(service(service), path, headers, body);
    }

    /** To any process, one of the suite's or not (another replica). */
    Answer post(ServiceProcess target, String path, Map<String, String> headers, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.url() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return send(request.build());
    }

    /** {@code application/x-www-form-urlencoded}, as OAuth's token endpoint takes it. */
    Answer postForm(String service, String path, Map<String, String> headers, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> java.net.URLEncoder.encode(e.getKey(), java.nio.charset.StandardCharsets.UTF_8) + "="
                        + java.net.URLEncoder.encode(e.getValue(), java.nio.charset.StandardCharsets.UTF_8))
                .collect(java.util.stream.Collectors.joining("&"));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(service(service).url() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return send(request.build());
    }

    static Map<String, String> basic(String user, String password) {
        return Map.of("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    Answer put(String service, String path, Map<String, String> headers, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(service(service).url() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return send(request.build());
    }

    Answer get(String service, String path, Map<String, String> headers) {
        return get(service(service), path, headers);
    }

    /** To any process, one of the suite's or not (another replica). */
    Answer get(ServiceProcess target, String path, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.url() + path))
                .timeout(Duration.ofSeconds(30)).GET();
        headers.forEach(request::header);
        return send(request.build());
    }

    Answer delete(ServiceProcess target, String path, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.url() + path))
                .timeout(Duration.ofSeconds(30)).DELETE();
        headers.forEach(request::header);
        return send(request.build());
    }

    /** {@code POST /api/v4/code_suggestions/completions} as the seeded admin. */
    Answer complete(String contentAboveCursor) {
        return complete(service(Suite.INSTANCE), Map.of("PRIVATE-TOKEN", adminToken), contentAboveCursor);
    }

    /** {@code POST /api/v4/code_suggestions/completions} at {@code instance} with the given credentials. */
    Answer complete(ServiceProcess instance, Map<String, String> credentials, String contentAboveCursor) {
        String body = "{\"current_file\":{\"file_name\":\"main.py\",\"content_above_cursor\":"
                + quote(contentAboveCursor) + ",\"content_below_cursor\":\"\"}}";
        return post(instance, "/api/v4/code_suggestions/completions", credentials, body);
    }

    /** HTTP Basic credentials of instance-service at token-service's internal API. */
    Map<String, String> instanceClientAuth() {
        String credentials = java.util.Base64.getEncoder().encodeToString(
                ("instance-service:" + clientSecret).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return Map.of("Authorization", "Basic " + credentials);
    }

    void simulatorControl(String json) {
        Answer answer = post(Suite.SIMULATOR, "/__simulator/faults", Map.of(), json);
        if (answer.status() != 204) {
            throw new IllegalStateException("Simulator control refused " + json + ": " + answer);
        }
    }

    /** The simulator's stream counters ({@code GET /__simulator/streams}). */
    JsonNode simulatorStreams() {
        Answer answer = get(Suite.SIMULATOR, "/__simulator/streams", Map.of());
        if (answer.status() != 200) {
            throw new IllegalStateException("Simulator stream counters: " + answer);
        }
        return answer.json();
    }

    /** Opens a streamed POST on a raw connection; the caller reads it chunk by chunk and closes it. */
    StreamingExchange openStream(String service, String path, Map<String, String> headers, String body)
            throws IOException {
        return StreamingExchange.post(URI.create(service(service).url() + path), headers, body, Duration.ofSeconds(60));
    }

    private Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body(), response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException("Calling " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        suite.close();
    }
}
