package dev.enclave.adapter.client;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.config.AdapterConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/** token-service's internal API, as its verifier client ({@code enclave.adapter.verifier-client}). */
@ApplicationScoped
public class TokenServiceClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** @param expiresAt epoch seconds, the revoked token's own {@code exp}: after it the entry is moot */
    public record Revocation(String jti, @JsonProperty("expires_at") long expiresAt) {
    }

    /** @param now token-service's clock (epoch milliseconds) when it read the list */
    public record Revocations(List<Revocation> revocations, long now) {
    }

    /** token-service could not be reached, or did not answer with the list. */
    public static class TokenServiceException extends RuntimeException {
        public TokenServiceException(String message) {
            super(message);
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final AdapterConfig config;
    private final ObjectMapper json;

    public TokenServiceClient(AdapterConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    /**
     * {@code GET /internal/v1/revocations?since=} with the verifier client's credentials.
     *
     * @param since  epoch milliseconds; 0 for every revocation still in force
     * @param secret the verifier client's secret
     * @throws TokenServiceException when token-service is unreachable or answers anything but the list
     */
    public Revocations revocations(long since, String secret) {
        String credentials = Base64.getEncoder().encodeToString(
                (config.verifierClient().id() + ":" + secret).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(config.tokenServiceUrl() + "/internal/v1/revocations?since=" + since))
                .timeout(TIMEOUT)
                .header("Authorization", "Basic " + credentials)
                .header("Accept", "application/json")
                .GET().build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new TokenServiceException("token-service at " + config.tokenServiceUrl() + " is unreachable: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenServiceException("interrupted while calling token-service");
        }
        if (response.statusCode() == 401) {
            throw new TokenServiceException("token-service refused the verifier client '" + config.verifierClient().id()
                    + "' (401): enclave.adapter.verifier-client.secret must equal token-service's "
                    + "enclave.token.oauth.verifier-client.secret");
        }
        if (response.statusCode() != 200) {
            throw new TokenServiceException("token-service answered " + response.statusCode());
        }
        try {
            Revocations answer = json.readValue(response.body(), Revocations.class);
            return answer.revocations() == null ? new Revocations(List.of(), answer.now()) : answer;
        } catch (IOException e) {
            throw new TokenServiceException("token-service answered something other than a revocation list");
        }
    }
}
