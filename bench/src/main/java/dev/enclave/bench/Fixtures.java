package dev.enclave.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enclave.launcher.Suite;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * What the benchmark needs from a freshly started suite, obtained through the public and internal
 * APIs only: a benchmark user with a Duo seat and a personal access token (admin API, with the
 * seeded admin's token), and the instance's own AI token (token-service's internal API with the
 * instance's client secret, as instance-service itself obtains it).
 */
final class Fixtures {

    static final ObjectMapper JSON = new ObjectMapper();

    /** The code the editor sends: the same prompt on every hop, so the model does the same work. */
    static final String FILE_NAME = "main.py";
    static final String ABOVE_CURSOR = "def add(a, b):\n    ";
    /** The prompt ai-gateway renders for a codestral-family model (fill-in-the-middle). */
    static final String RENDERED_PROMPT = "[SUFFIX][PREFIX]" + ABOVE_CURSOR;
    /** ai-gateway's default {@code enclave.gateway.completion-max-tokens} and temperature. */
    static final int COMPLETION_MAX_TOKENS = 64;
    static final double TEMPERATURE = 0.2;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Suite suite;
    private final Suite.Options options;

    final String benchPat;
    final String instanceId;
    final Map<String, String> gatewayHeaders;

    Fixtures(Suite suite, Suite.Options options) throws IOException {
        this.suite = suite;
        this.options = options;
        String admin = Files.readString(options.dataDir().resolve("admin-token.txt")).trim();
        Map<String, String> asAdmin = Map.of("PRIVATE-TOKEN", admin);

        String name = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        JsonNode user = expect(201, post(url(Suite.INSTANCE, "/api/v4/users"), asAdmin,
                "{\"username\":\"" + name + "\",\"name\":\"Benchmark user\",\"email\":\"" + name
                        + "@bench.invalid\",\"admin\":false}"), "create the benchmark user");
        long userId = user.path("id").asLong();
        expect(201, post(url(Suite.INSTANCE, "/api/v4/admin/duo/seats"), asAdmin, "{\"user_id\":" + userId + "}"),
                "assign a Duo seat to the benchmark user");
        JsonNode pat = expect(201, post(url(Suite.INSTANCE, "/api/v4/users/" + userId + "/personal_access_tokens"),
                asAdmin, "{\"name\":\"bench\",\"scopes\":[\"ai_features\"]}"), "create the benchmark user's token");
        benchPat = pat.path("token").asText();

        // The identity headers the instance sends with every gateway call, as it hands them to editors.
        Map<String, String> identity = new LinkedHashMap<>();
        Answer direct = post(url(Suite.INSTANCE, "/api/v4/code_suggestions/direct_access"),
                Map.of("PRIVATE-TOKEN", benchPat), "{}");
        if (direct.status() == 201 || direct.status() == 200) {
            direct.json().path("headers").fields().forEachRemaining(e -> identity.put(e.getKey(), e.getValue().asText()));
        }
        if (!identity.containsKey("X-Gitlab-Instance-Id")) {
            System.out.println("  (direct_access answered " + direct.status() + "; the gateway runs use a random "
                    + "instance id, which the gateway accepts as long as token and header agree)");
            identity.put("X-Gitlab-Authentication-Type", "oidc");
            identity.put("X-Gitlab-Instance-Id", UUID.randomUUID().toString());
            identity.put("X-Gitlab-Realm", "self-managed");
            identity.put("X-Gitlab-Host-Name", "localhost");
        }
        instanceId = identity.get("X-Gitlab-Instance-Id");

        String credentials = Base64.getEncoder().encodeToString(("instance-service:" + options.clientSecret())
                .getBytes(StandardCharsets.UTF_8));
        JsonNode minted = expect(200, post(url(Suite.TOKEN_SERVICE, "/internal/v1/ai-tokens"),
                Map.of("Authorization", "Basic " + credentials),
                "{\"instance_id\":\"" + instanceId + "\",\"scopes\":[\"complete_code\"]}"),
                "mint the instance's AI token at token-service");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + minted.path("token").asText());
        headers.putAll(identity);
        headers.put("X-Gitlab-Version", "bench");
        headers.put("x-gitlab-enabled-instance-verbose-ai-logs", "false");
        gatewayHeaders = Map.copyOf(headers);
    }

    /** The simulator as model-adapter calls it for this completion (OpenAI-compatible provider). */
    LoadGenerator.Target simulator(boolean stream) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", Suite.SIMULATED_MODEL);
        body.put("prompt", RENDERED_PROMPT);
        body.put("max_tokens", COMPLETION_MAX_TOKENS);
        body.put("temperature", TEMPERATURE);
        body.put("stream", stream);
        if (stream) {
            body.putObject("stream_options").put("include_usage", true);
        }
        return new LoadGenerator.Target(url(Suite.SIMULATOR, "/v1/completions"),
                Map.of("Authorization", "Bearer " + options.modelApiKey()), body.toString());
    }

    /** ai-gateway with the instance's own token and the body instance-service sends (model metadata included). */
    LoadGenerator.Target gateway(boolean stream) {
        ObjectNode body = editorBody(stream);
        body.put("model_provider", "litellm");
        body.put("model_endpoint", suite.service(Suite.SIMULATOR).url() + "/v1");
        body.put("model_api_key", options.modelApiKey());
        body.put("model_identifier", "custom_openai/" + Suite.SIMULATED_MODEL);
        body.put("model_name", "codestral");
        return new LoadGenerator.Target(url(Suite.GATEWAY, "/v2/code/completions"), gatewayHeaders, body.toString());
    }

    /** The full chain: instance-service with the benchmark user's personal access token. */
    LoadGenerator.Target instance(boolean stream) {
        return new LoadGenerator.Target(url(Suite.INSTANCE, "/api/v4/code_suggestions/completions"),
                Map.of("PRIVATE-TOKEN", benchPat), editorBody(stream).toString());
    }

    private static ObjectNode editorBody(boolean stream) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode file = body.putObject("current_file");
        file.put("file_name", FILE_NAME);
        file.put("content_above_cursor", ABOVE_CURSOR);
        file.put("content_below_cursor", "");
        if (stream) {
            body.put("stream", true);
        }
        return body;
    }

    /** One request of the given target, to show its answer before the runs (a broken setup shows here). */
    Answer probe(LoadGenerator.Target target) {
        return post(target.uri(), target.headers(), target.body());
    }

    private URI url(String service, String path) {
        return URI.create(suite.service(service).url() + path);
    }

    record Answer(int status, String contentType, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                return JSON.createObjectNode();
            }
        }
    }

    private Answer post(URI uri, Map<String, String> headers, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        } catch (IOException e) {
            throw new IllegalStateException("Calling " + uri + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted calling " + uri, e);
        }
    }

    private static JsonNode expect(int status, Answer answer, String what) {
        if (answer.status() != status) {
            throw new IllegalStateException("Could not " + what + ": " + answer.status() + " " + answer.body());
        }
        return answer.json();
    }
}
