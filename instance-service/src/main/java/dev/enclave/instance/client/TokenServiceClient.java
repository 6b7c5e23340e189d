package dev.enclave.instance.client;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * token-service's internal API, authenticated with this instance's client credentials.
 * <p>
 * The client wrapper owns the retry and the circuit breaker of AI token minting (the caller,
 * {@code AiTokenCache}, owns the timeout and the fallback): minting is idempotent, so token-service
 * being unavailable (no connection, no answer in time, 5xx) is retried with exponential backoff and
 * jitter; a refusal (4xx) is not. Each attempt counts for the breaker, which stops calling
 * token-service for a while after repeated failures. The annotation values are the defaults; the
 * values in force are {@code enclave.instance.ai-token.mint.*} (see application.properties).
 */
@ApplicationScoped
public class TokenServiceClient {

    public static final String MINT_CIRCUIT_BREAKER = "token-service-ai-tokens";

    private static final Logger LOG = Logger.getLogger(TokenServiceClient.class);

    /** A self-issued AI token, with the validity token-service gave it ({@code iat} to {@code exp}). */
    public record AiToken(String token, Instant issuedAt, Instant expiresAt) {

        /** The token's lifetime in seconds, as GitLab's {@code expires_in}. */
        public long lifetimeSeconds() {
            return expiresAt.getEpochSecond() - issuedAt.getEpochSecond();
        }

        @Override
        public String toString() {
            return "AiToken[issuedAt=" + issuedAt + ", expiresAt=" + expiresAt + "]";
        }
    }

    record MintResponse(String token, @JsonProperty("issued_at") Long issuedAt,
                        @JsonProperty("expires_at") long expiresAt) {
    }

    /**
     * token-service refused or could not be reached; the message says which, and is safe to show
     * to API clients (no internal address, no exception text).
     */
    public static class TokenServiceException extends RuntimeException {
        public TokenServiceException(String message) {
            super(message);
        }
    }

    /** No connection, no answer in time, or a 5xx: worth retrying, and a failure for the breaker. */
    public static class TokenServiceUnavailableException extends TokenServiceException {
        public TokenServiceUnavailableException(String message) {
            super(message);
        }
    }

    /** token-service answered and said no (4xx): retrying would not help. */
    public static class TokenServiceRefusedException extends TokenServiceException {
        public TokenServiceRefusedException(String message) {
            super(message);
        }
    }

    private final TokenServiceProxy tokenService;
    private final ObjectMapper json;

    public TokenServiceClient(TokenServiceProxy tokenService, ObjectMapper json) {
        this.tokenService = tokenService;
        this.json = json;
    }

    /** @param globalUserId non-null for a user-bound token (direct access; shorter lifetime) */
    @Retry(maxRetries = 3, delay = 200, jitter = 100, maxDuration = 8000,
            retryOn = TokenServiceUnavailableException.class)
    @ExponentialBackoff(factor = 2, maxDelay = 2000)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 10000, successThreshold = 1,
            failOn = TokenServiceUnavailableException.class)
    @CircuitBreakerName(MINT_CIRCUIT_BREAKER)
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
            if (answer.status() >= 500) {
                LOG.warnf("token-service answered %d to an AI token request: %s", answer.status(),
                        describeError(answer.body()));
                throw new TokenServiceUnavailableException("token-service answered " + answer.status()
                        + " to the AI token request");
            }
            if (answer.status() != 200) {
                throw new TokenServiceRefusedException("token-service refused to mint an AI token: " + answer.status()
                        + " " + describeError(answer.body()));
            }
            MintResponse minted = json.readValue(answer.body(), MintResponse.class);
            // A token-service that does not say when it issued the token: it is as old as this answer.
            Instant issuedAt = minted.issuedAt() == null ? Instant.now() : Instant.ofEpochSecond(minted.issuedAt());
            return new AiToken(minted.token(), issuedAt, Instant.ofEpochSecond(minted.expiresAt()));
        } catch (IOException e) {
            LOG.warnf("token-service's AI token answer cannot be read: %s", e.getMessage());
            throw new TokenServiceUnavailableException("token-service's answer cannot be read");
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
