package dev.enclave.instance.client;

import dev.enclave.instance.config.InstanceConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Raw HTTP to token-service: forwarding of the public OAuth paths, and the internal API calls
 * whose answers go back to the caller as they are.
 */
@ApplicationScoped
public class TokenServiceProxy {

    /** Response headers that belong to the answer (the rest are hop-by-hop or re-computed). */
    private static final List<String> PASSED_HEADERS = List.of("Content-Type", "Cache-Control", "Pragma",
            "WWW-Authenticate");

    public record Answer(int status, Map<String, String> headers, byte[] body) {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final InstanceConfig config;

    public TokenServiceProxy(InstanceConfig config) {
        this.config = config;
    }

    /** Forwards a public request (its own credentials, if any, travel with it). */
    public Answer forward(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        return send(method, pathAndQuery, headers, body);
    }

    /** Calls token-service's internal API with this instance's client credentials. */
    public Answer internal(String method, String path, String contentType, byte[] body) {
        String credentials = Base64.getEncoder().encodeToString(
                (config.clientId() + ":" + config.clientSecret()).getBytes(StandardCharsets.UTF_8));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Basic " + credentials);
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        headers.put("Accept", "application/json");
        return send(method, path, headers, body);
    }

    private Answer send(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(config.tokenServiceUrl() + pathAndQuery))
                .timeout(TIMEOUT)
                .method(method, body == null || body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            Map<String, String> passed = new LinkedHashMap<>();
            for (String name : PASSED_HEADERS) {
                response.headers().firstValue(name).ifPresent(v -> passed.put(name, v));
            }
            return new Answer(response.statusCode(), passed, response.body());
        } catch (IOException e) {
            throw new TokenServiceClient.TokenServiceException("token-service at " + config.tokenServiceUrl()
                    + " is unreachable: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenServiceClient.TokenServiceException("interrupted while calling token-service");
        }
    }
}
