package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enclave.adapter.config.AdapterConfig;
import dev.enclave.adapter.rest.AdapterWire;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;

/**
 * vLLM, Ollama, llama.cpp, TGI and every other server speaking OpenAI's {@code /v1/completions}
 * and {@code /v1/chat/completions}. The API key goes in {@code Authorization: Bearer}.
 */
@ApplicationScoped
public class OpenAiCompatibleProvider {

    private static final Logger LOG = Logger.getLogger(OpenAiCompatibleProvider.class);

    private final HttpClient http;
    private final ObjectMapper json;
    private final AdapterConfig config;

    public OpenAiCompatibleProvider(ObjectMapper json, AdapterConfig config) {
        this.json = json;
        this.config = config;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public AdapterWire.GenerateResponse generate(AdapterWire.GenerateRequest request) {
        boolean chat = request.messages() != null;
        ObjectNode body = json.createObjectNode();
        body.put("model", request.model().identifier());
        if (chat) {
            body.set("messages", json.valueToTree(request.messages()));
        } else {
            body.put("prompt", request.prompt());
        }
        if (request.maxTokens() != null) {
            body.put("max_tokens", request.maxTokens());
        }
        if (request.temperature() != null) {
            body.put("temperature", request.temperature());
        }
        body.put("stream", false);

        URI uri = endpoint(request.model().endpoint(), chat ? "/chat/completions" : "/completions");
        HttpRequest.Builder call = HttpRequest.newBuilder(uri)
                .timeout(config.readTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        String apiKey = request.model().apiKey();
        if (apiKey != null && !apiKey.isEmpty()) {
            call.header("Authorization", "Bearer " + apiKey);
        }

        HttpResponse<String> response = send(call.build(), uri);
        if (response.statusCode() / 100 != 2) {
            String reason = errorReason(response.body());
            LOG.infof("Model server %s answered %d: %s", uri, response.statusCode(), reason);
            throw new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, response.statusCode(),
                    "model server at " + uri + " answered " + response.statusCode() + ": " + reason);
        }
        return parse(response.body(), chat, uri);
    }

    private HttpResponse<String> send(HttpRequest request, URI uri) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new ModelCallException(ModelCallException.Kind.TIMEOUT, null,
                    "model server at " + uri + " did not answer within " + config.readTimeout().toSeconds() + " s");
        } catch (IOException e) {
            throw new ModelCallException(ModelCallException.Kind.UNREACHABLE, null,
                    "model server at " + uri + " is unreachable: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelCallException(ModelCallException.Kind.UNREACHABLE, null, "interrupted calling " + uri);
        }
    }

    private AdapterWire.GenerateResponse parse(String body, boolean chat, URI uri) {
        try {
            JsonNode root = json.readTree(body);
            JsonNode choice = root.path("choices").path(0);
            if (choice.isMissingNode()) {
                throw new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, 200,
                        "model server at " + uri + " answered without choices");
            }
            String text = chat ? choice.path("message").path("content").asText("") : choice.path("text").asText("");
            JsonNode usage = root.path("usage");
            return new AdapterWire.GenerateResponse(text, choice.path("finish_reason").asText(null),
                    root.path("model").asText(null),
                    usage.isObject() ? new AdapterWire.Usage(usage.path("prompt_tokens").asInt(),
                            usage.path("completion_tokens").asInt()) : null);
        } catch (IOException e) {
            throw new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, 200,
                    "model server at " + uri + " answered with invalid JSON");
        }
    }

    /** vLLM endpoints are configured with their {@code /v1} suffix; accept the bare host too. */
    static URI endpoint(String configured, String path) {
        String base = configured.endsWith("/") ? configured.substring(0, configured.length() - 1) : configured;
        if (!base.endsWith("/v1")) {
            base = base + "/v1";
        }
        try {
            URI uri = URI.create(base + path);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                throw new IllegalArgumentException("scheme must be http or https");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ModelCallException(ModelCallException.Kind.INVALID_REQUEST, null,
                    "model endpoint '" + configured + "' is not a valid http(s) URL: " + e.getMessage());
        }
    }

    /** The reason a model server gave: vLLM/OpenAI {@code error.message}, {@code message} or {@code error}. */
    private String errorReason(String body) {
        try {
            JsonNode root = json.readTree(body);
            JsonNode error = root.path("error");
            if (error.isObject() && error.hasNonNull("message")) {
                return error.get("message").asText();
            }
            if (error.isTextual()) {
                return error.asText();
            }
            if (root.hasNonNull("message")) {
                return root.get("message").asText();
            }
            if (root.hasNonNull("detail")) {
                return root.get("detail").asText();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("Model server error body is not JSON: %s", e.getMessage());
        }
        String trimmed = body == null ? "" : body.strip();
        return trimmed.isEmpty() ? "(empty body)" : trimmed.substring(0, Math.min(200, trimmed.length()));
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : " " + message);
    }
}
