package dev.enclave.instance.client;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.instance.config.InstanceConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** token-service's internal API, authenticated with this instance's client credentials. */
@ApplicationScoped
public class TokenServiceClient {

    public record AiToken(String token, Instant expiresAt) {
        @Override
        public String toString() {
            return "AiToken[expiresAt=" + expiresAt + "]";
        }
    }

    record MintResponse(String token, @JsonProperty("expires_at") long expiresAt) {
    }

    /** token-service refused or could not be reached; the message says which. */
    public static class TokenServiceException extends RuntimeException {
        public TokenServiceException(String message) {
            super(message);
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ObjectMapper json;
    private final InstanceConfig config;

    public TokenServiceClient(ObjectMapper json, InstanceConfig config) {
        this.json = json;
        this.config = config;
    }

    public AiToken mintAiToken(String instanceId, List<String> scopes) {
        return mintAiToken(instanceId, scopes, null);
    }

    /** @param globalUserId non-null for a user-bound token (direct access; shorter lifetime) */
    public AiToken mintAiToken(String instanceId, List<String> scopes, String globalUserId) {
        String credentials = Base64.getEncoder().encodeToString(
                (config.clientId() + ":" + config.clientSecret()).getBytes(StandardCharsets.UTF_8));
        URI uri = URI.create(config.tokenServiceUrl() + "/internal/v1/ai-tokens");
        try {
            Map<String, Object> fields = new java.util.LinkedHashMap<>();
            fields.put("instance_id", instanceId);
            fields.put("scopes", scopes);
            if (globalUserId != null) {
                fields.put("global_user_id", globalUserId);
            }
            String body = json.writeValueAsString(fields);
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                    .header("Authorization", "Basic " + credentials)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new TokenServiceException("token-service refused to mint an AI token: " + response.statusCode()
                        + " " + describeError(response.body()));
            }
            MintResponse minted = json.readValue(response.body(), MintResponse.class);
            return new AiToken(minted.token(), Instant.ofEpochSecond(minted.expiresAt()));
        } catch (IOException e) {
            throw new TokenServiceException("token-service at " + config.tokenServiceUrl() + " is unreachable: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenServiceException("interrupted while calling token-service");
        }
    }

    private String describeError(String body) {
        try {
            JsonNode error = json.readTree(body);
            return error.path("error").asText("") + " " + error.path("error_description").asText("");
        } catch (IOException e) {
            return "";
        }
    }
}
