package dev.enclave.adapter.security;

import dev.enclave.adapter.client.TokenServiceClient;
import dev.enclave.adapter.config.AdapterConfig;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.config.SmallRyeConfig;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The revoked access tokens (by {@code jti}), polled from token-service every
 * {@code enclave.adapter.revocation-poll-interval}: a revoked token stops working here within that
 * interval. While token-service is unreachable the last list stays in force, but only for
 * {@code enclave.adapter.revocation-max-staleness}: after that (and before the first poll
 * succeeded) {@link #staleness()} says why tokens must be refused, since a token revoked meanwhile
 * would not be known here.
 *
 * <p>In the {@code prod} profile the verifier secret is required: without it nothing could be
 * polled, and start-up fails. Other profiles (local runs, tests) may leave it unset, and then
 * revocations are not checked at all (logged at start, and shown in health data).
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
    private final Duration maxStaleness;
    private final Map<String, Instant> revoked = new ConcurrentHashMap<>();
    private volatile long since;
    /** {@link System#nanoTime()} of the last successful poll; 0 before the first. */
    private volatile long lastSuccessNanos;
    private volatile Instant lastSuccessAt;
    /** The last poll's failure, so that a lasting one is logged once rather than every interval. */
    private volatile String lastFailure;

    public RevokedAccessTokens(TokenServiceClient tokenService, AdapterConfig config) {
        this.tokenService = tokenService;
        this.secret = config.verifierClient().secret();
        this.clientId = config.verifierClient().id();
        this.maxStaleness = config.revocationMaxStaleness();
    }

    /** Early among start-up observers: a production adapter without its secret must not start at all. */
    void onStart(@Observes @Priority(1) StartupEvent event) {
        if (secret.isEmpty()) {
            List<String> profiles = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class).getProfiles();
            if (profiles.contains("prod")) {
                throw new IllegalStateException("enclave.adapter.verifier-client.secret (ENCLAVE_ADAPTER_VERIFIER_CLIENT_"
                        + "SECRET) is not set: without it model-adapter cannot poll token-service's revocation list "
                        + "and would honour revoked tokens; set it to token-service's "
                        + "enclave.token.oauth.verifier-client.secret");
            }
            LOG.warnf("enclave.adapter.verifier-client.secret is not set (profile %s): revoked access tokens are not "
                    + "polled from token-service, so a revoked token is honoured here until it expires", profiles);
            return;
        }
        // the first list before the first call: until a poll succeeded, tokens are refused
        refresh();
    }

    /** Whether the list is polled at all (the verifier secret is set). */
    public boolean polled() {
        return secret.isPresent();
    }

    /** When the last poll succeeded, or null. */
    public Instant lastSuccess() {
        return lastSuccessAt;
    }

    /** Age of the list; null before the first successful poll. */
    public Duration age() {
        long last = lastSuccessNanos;
        return last == 0 ? null : Duration.ofNanos(System.nanoTime() - last);
    }

    public Duration maxStaleness() {
        return maxStaleness;
    }

    /** The last poll's failure, or null when it succeeded. */
    public String lastFailure() {
        return lastFailure;
    }

    /**
     * Why tokens must be refused for the list's age, or null when it is fresh enough (or not polled
     * at all, outside production).
     */
    public String staleness() {
        if (secret.isEmpty()) {
            return null;
        }
        Duration age = age();
        if (age == null) {
            return "no revocation list has been fetched from token-service yet, so no token can be honoured";
        }
        if (age.compareTo(maxStaleness) > 0) {
            return "the revocation list was last fetched from token-service " + age.toSeconds() + " s ago, longer than "
                    + "enclave.adapter.revocation-max-staleness (" + maxStaleness.toSeconds() + " s), so no token can "
                    + "be honoured until a poll succeeds";
        }
        return null;
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
        lastSuccessNanos = System.nanoTime();
        lastSuccessAt = Instant.now();
        for (TokenServiceClient.Revocation entry : answer.revocations()) {
            revoked.put(entry.jti(), Instant.ofEpochSecond(entry.expiresAt()));
        }
        since = Math.max(0, answer.now() - POLL_OVERLAP_MILLIS);
        // an expired token is refused for its expiry anyway
        Instant now = Instant.now();
        revoked.values().removeIf(expiresAt -> expiresAt.isBefore(now));
    }
}
