package dev.enclave.instance.client;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
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

    private final TokenServiceProxy tokenService;
    private final ObjectMapper json;

    public TokenServiceClient(TokenServiceProxy tokenService, ObjectMapper json) {
        this.tokenService = tokenService;
        this.json = json;
    }

    public AiToken mintAiToken(String instanceId, List<String> scopes) {
        return mintAiToken(instanceId, scopes, null);
    }

    /** @param globalUserId non-null for a user-bound token (direct access; shorter lifetime) */
    public AiToken mintAiToken(String instanceId, List<String> scopes, String globalUserId) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("instance_id", instanceId);
        fields.put("scopes", scopes);
        if (globalUserId != null) {
            fields.put("global_user_id", globalUserId);
        }
        try {
            TokenServiceProxy.Answer answer = tokenService.internal("POST", "/internal/v1/ai-tokens",
                    "application/json", json.writeValueAsBytes(fields));
            if (answer.status() != 200) {
                throw new TokenServiceException("token-service refused to mint an AI token: " + answer.status()
                        + " " + describeError(answer.body()));
            }
            MintResponse minted = json.readValue(answer.body(), MintResponse.class);
            return new AiToken(minted.token(), Instant.ofEpochSecond(minted.expiresAt()));
        } catch (IOException e) {
            throw new TokenServiceException("token-service's answer cannot be read: " + e.getMessage());
        }
    }

    private String describeError(byte[] body) {
        try {
            JsonNode error = json.readTree(body);
            return error.path("error").asText("") + " " + error.path("error_description").asText("");
        } catch (IOException e) {
            return "";
        }
    }
}
