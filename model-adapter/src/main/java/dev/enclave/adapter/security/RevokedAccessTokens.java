package dev.enclave.adapter.security;

import dev.enclave.adapter.client.TokenServiceClient;
import dev.enclave.adapter.config.AdapterConfig;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The revoked access tokens (by {@code jti}), polled from token-service every
 * {@code enclave.adapter.revocation-poll-interval}: a revoked token stops working here within that
 * interval. While token-service is unreachable the last list stays in force; nothing can be revoked
 * meanwhile, since revocation happens at token-service.
 */
@ApplicationScoped
public class RevokedAccessTokens {

    private static final Logger LOG = Logger.getLogger(RevokedAccessTokens.class);
    /**
     * Each poll asks from a little before the previous answer's {@code now}: a revocation whose
     * transaction commits while token-service reads its clock must not fall between two polls.
     */
    private static final long POLL_OVERLAP_MILLIS = 5_000;

    private final TokenServiceClient tokenService;
    private final Optional<String> secret;
    private final String clientId;
    private final Map<String, Instant> revoked = new ConcurrentHashMap<>();
    private volatile long since;
    /** The last poll's failure, so that a lasting one is logged once rather than every interval. */
    private volatile String lastFailure;

    public RevokedAccessTokens(TokenServiceClient tokenService, AdapterConfig config) {
        this.tokenService = tokenService;
        this.secret = config.verifierClient().secret();
        this.clientId = config.verifierClient().id();
    }

    void onStart(@Observes StartupEvent event) {
        if (secret.isEmpty()) {
            LOG.warn("enclave.adapter.verifier-client.secret is not set: revoked access tokens are not polled from "
                    + "token-service, so a revoked token is honoured here until it expires");
        }
    }

    public boolean isRevoked(String jti) {
        return revoked.containsKey(jti);
    }

    @Scheduled(every = "${enclave.adapter.revocation-poll-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void refresh() {
        if (secret.isEmpty()) {
            return;
        }
        TokenServiceClient.Revocations answer;
        try {
            answer = tokenService.revocations(since, secret.get());
        } catch (TokenServiceClient.TokenServiceException e) {
            if (!e.getMessage().equals(lastFailure)) {
                LOG.warnf("Revocation poll as %s failed (%s); keeping the last list", clientId, e.getMessage());
            }
            lastFailure = e.getMessage();
            return;
        }
        if (lastFailure != null) {
            LOG.infof("Revocation poll as %s works again", clientId);
            lastFailure = null;
        }
        for (TokenServiceClient.Revocation entry : answer.revocations()) {
            revoked.put(entry.jti(), Instant.ofEpochSecond(entry.expiresAt()));
        }
        since = Math.max(0, answer.now() - POLL_OVERLAP_MILLIS);
        // an expired token is refused for its expiry anyway
        Instant now = Instant.now();
        revoked.values().removeIf(expiresAt -> expiresAt.isBefore(now));
    }
}
