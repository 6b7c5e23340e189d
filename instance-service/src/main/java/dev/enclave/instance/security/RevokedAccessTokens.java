package dev.enclave.instance.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.client.TokenServiceProxy;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The revoked OAuth access tokens (by {@code jti}), polled from token-service every
 * {@code enclave.instance.revocation-poll-interval}: a revoked token stops working here within that
 * interval. While token-service is unreachable the last list stays in force; nothing can be revoked
 * meanwhile, since revocation happens at token-service.
 */
@ApplicationScoped
public class RevokedAccessTokens {

    private static final Logger LOG = Logger.getLogger(RevokedAccessTokens.class);
    private static final long POLL_OVERLAP_MILLIS = 5_000;

    private final TokenServiceProxy tokenService;
    private final ObjectMapper json;
    private final Clock clock;
    private final Map<String, Instant> revoked = new ConcurrentHashMap<>();
    private volatile long since;

    public RevokedAccessTokens(TokenServiceProxy tokenService, ObjectMapper json, Clock clock) {
        this.tokenService = tokenService;
        this.json = json;
        this.clock = clock;
    }

    public boolean isRevoked(String jti) {
        return jti != null && revoked.containsKey(jti);
    }

    @Scheduled(every = "${enclave.instance.revocation-poll-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void refresh() {
        try {
            TokenServiceProxy.Answer answer = tokenService.internal("GET", "/internal/v1/revocations?since=" + since,
                    null, null);
            if (answer.status() != 200) {
                LOG.warnf("token-service answered %d to the revocation poll; keeping the last list", answer.status());
                return;
            }
            JsonNode body = json.readTree(answer.body());
            for (JsonNode entry : body.path("revocations")) {
                revoked.put(entry.path("jti").asText(), expiry(entry.path("expires_at")));
            }
            // Overlap the next window: a revocation whose transaction commits after token-service
            // read its clock must not fall between two polls.
            since = Math.max(0, body.path("now").asLong(since) - POLL_OVERLAP_MILLIS);
            Instant now = clock.instant();
            revoked.values().removeIf(expiresAt -> expiresAt.isBefore(now));
        } catch (TokenServiceClient.TokenServiceException | IOException e) {
            LOG.debugf("Revocation poll failed (%s); keeping the last list", e.getMessage());
        }
    }

    /** Accepts epoch seconds, epoch milliseconds or ISO-8601. */
    private static Instant expiry(JsonNode value) {
        if (value.isNumber()) {
            long n = value.asLong();
            return n > 100_000_000_000L ? Instant.ofEpochMilli(n) : Instant.ofEpochSecond(n);
        }
        return Instant.parse(value.asText());
    }
}
