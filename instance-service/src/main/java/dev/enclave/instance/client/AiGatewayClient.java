package dev.enclave.instance.client;

import dev.enclave.instance.config.InstanceConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;

/** Posts to an AI gateway (self-hosted or cloud) and hands back its answer untouched. */
@ApplicationScoped
public class AiGatewayClient {

    public record GatewayResponse(int status, String contentType, byte[] body) {
    }

    /** The gateway could not be reached or did not answer in time. */
    public static class GatewayUnavailableException extends RuntimeException {
        public GatewayUnavailableException(String message) {
            super(message);
        }
    }

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final InstanceConfig config;

    public AiGatewayClient(InstanceConfig config) {
        this.config = config;
    }

    public GatewayResponse post(String gatewayUrl, String path, Map<String, String> headers, byte[] jsonBody) {
        return post(gatewayUrl, path, headers, jsonBody, config.gatewayTimeout());
    }

    public GatewayResponse post(String gatewayUrl, String path, Map<String, String> headers, byte[] jsonBody,
                                Duration timeout) {
        URI uri = URI.create(stripTrailingSlash(gatewayUrl) + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jsonBody));
        headers.forEach(request::header);
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new GatewayResponse(response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse("application/json"), response.body());
        } catch (HttpTimeoutException e) {
            throw new GatewayUnavailableException("AI gateway at " + gatewayUrl + " did not answer within "
                    + timeout.toSeconds() + " s");
        } catch (IOException e) {
            throw new GatewayUnavailableException("AI gateway at " + gatewayUrl + " is unreachable: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayUnavailableException("interrupted while calling the AI gateway");
        }
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
