package dev.enclave.instance.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.client.TokenServiceProxy;
import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.rest.ApiException;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.faulttolerance.api.TypedGuard;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The revoked OAuth access tokens (by {@code jti}), polled from token-service every
 * {@code enclave.instance.revocation-poll-interval}: a revoked token stops working here within that
 * interval. A failed poll is retried with exponential backoff ({@code revocation-poll.*}); after
 * that the last list stays in force until the next poll. It is not trusted for ever: once it is
 * older than {@code enclave.instance.revocation-max-staleness} (or was never fetched), OAuth access
 * tokens are refused with 503 ({@link #requireFresh()}) until a poll succeeds, since a token revoked
 * at token-service meanwhile would otherwise keep working. How old the list is shows in the
 * readiness check ({@code PollHealth}); a poll that starts or stops failing is logged once, not
 * every time.
 */
@ApplicationScoped
public class RevokedAccessTokens {

    private static final Logger LOG = Logger.getLogger(RevokedAccessTokens.class);
    private static final long POLL_OVERLAP_MILLIS = 5_000;

    /** A poll that did not get a usable answer; retried, then the last list is kept. */
    static class PollFailed extends RuntimeException {
        PollFailed(String message) {
            super(message);
        }
    }

    private final TokenServiceProxy tokenService;
    private final ObjectMapper json;
    private final Clock clock;
    private final TypedGuard<JsonNode> retry;
    private final Map<String, Instant> revoked = new ConcurrentHashMap<>();
    private volatile long since;
    private volatile Instant lastSuccess;
    private volatile String failure;
    private final Duration maxStaleness;
    /** Retry-After of the 503: the next poll is due within one interval. */
    private final long retryAfterSeconds;
    /** Serialises polls: the scheduled one and a request's first fetch before any poll succeeded. */
    private final ReentrantLock polling = new ReentrantLock();
    private volatile long lastFirstFetchAttempt;

    public RevokedAccessTokens(TokenServiceProxy tokenService, ObjectMapper json, Clock clock, InstanceConfig config) {
        this.tokenService = tokenService;
        this.json = json;
        this.clock = clock;
        InstanceConfig.Poll poll = config.revocationPoll();
        Duration pollInterval = config.revocationPollInterval();
        this.retryAfterSeconds = Math.max(1, (pollInterval.toMillis() + 999) / 1000);
        this.maxStaleness = config.revocationMaxStaleness();
        if (maxStaleness.compareTo(pollInterval) <= 0) {
            throw new IllegalArgumentException("enclave.instance.revocation-max-staleness (" + maxStaleness
                    + ") must be longer than enclave.instance.revocation-poll-interval (" + pollInterval + ")");
        }
        this.retry = TypedGuard.create(JsonNode.class)
                .withDescription("revocation-list poll")
                .withRetry()
                .maxRetries(poll.maxRetries())
                .delay(poll.retryDelay().toMillis(), ChronoUnit.MILLIS)
                .jitter(Math.max(0, poll.retryDelay().toMillis() / 4), ChronoUnit.MILLIS)
                // the retries of one poll end before the next poll is due
                .maxDuration(config.revocationPollInterval().toMillis(), ChronoUnit.MILLIS)
                .retryOn(PollFailed.class)
                // (a backoff longer than the poll interval is not allowed by the retry, so it is capped there)
                .withExponentialBackoff().factor(2).maxDelay(Math.min(poll.maxRetryDelay().toMillis(),
                        Math.max(1, pollInterval.toMillis() - 1)), ChronoUnit.MILLIS).done()
                .done()
                .build();
    }

    public boolean isRevoked(String jti) {
        return jti != null && revoked.containsKey(jti);
    }

    /** The configured bound on the list's age. */
    public Duration maxStaleness() {
        return maxStaleness;
    }

    /** True when the list is older than the bound or was never fetched: OAuth tokens are refused. */
    public boolean isStale() {
        Instant at = lastSuccess;
        return at == null || Duration.between(at, clock.instant()).compareTo(maxStaleness) > 0;
    }

    /**
     * Throws a 503 (naming token-service, saying what still works) when the list is stale. Before the
     * first successful poll, fetches once here (at most once a second across requests), so that the
     * first requests after a start do not depend on the scheduler having run.
     */
    public void requireFresh() {
        if (lastSuccess == null) {
            fetchFirstList();
        }
        if (!isStale()) {
            return;
        }
        Instant at = lastSuccess;
        String age = at == null ? "could not be fetched from token-service since this instance started"
                : "was last fetched from token-service " + Duration.between(at, clock.instant()).toSeconds()
                + " s ago, longer than " + maxStaleness.toSeconds() + " s";
        throw ApiException.unavailable("the list of revoked OAuth tokens " + age + ", so OAuth access tokens are "
                + "refused until token-service can be reached; retry later (personal access tokens still work)",
                retryAfterSeconds);
    }

    private void fetchFirstList() {
        long now = System.nanoTime();
        if (now - lastFirstFetchAttempt < 1_000_000_000L && lastFirstFetchAttempt != 0) {
            return;
        }
        try {
            // The scheduled poll may be running at this moment: wait for it briefly rather than poll twice.
            if (!polling.tryLock(2, java.util.concurrent.TimeUnit.SECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (lastSuccess == null && System.nanoTime() - lastFirstFetchAttempt >= 1_000_000_000L) {
                lastFirstFetchAttempt = System.nanoTime();
                try {
                    apply(fetch());
                } catch (PollFailed e) {
                    recordFailure(e);
                }
            }
        } finally {
            polling.unlock();
        }
    }

    /** When the list was last fetched successfully (empty before the first success). */
    public Optional<Instant> lastSuccess() {
        return Optional.ofNullable(lastSuccess);
    }

    /** Why the polls are failing, or empty while they work. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    @Scheduled(every = "${enclave.instance.revocation-poll-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void refresh() {
        polling.lock();
        try {
            JsonNode body;
            try {
                body = retry.get(this::fetch);
            } catch (PollFailed e) {
                recordFailure(e);
                return;
            }
            apply(body);
        } finally {
            polling.unlock();
        }
    }

    private void recordFailure(PollFailed e) {
        if (failure == null) {
            LOG.warnf("Revocation poll failing (%s); keeping the list of %s; OAuth access tokens are refused once "
                            + "it is older than %s", e.getMessage(),
                    lastSuccess == null ? "never (empty)" : lastSuccess, maxStaleness);
        }
        failure = e.getMessage();
    }

    private void apply(JsonNode body) {
        for (JsonNode entry : body.path("revocations")) {
            revoked.put(entry.path("jti").asText(), expiry(entry.path("expires_at")));
        }
        // Overlap the next window: a revocation whose transaction commits after token-service
        // read its clock must not fall between two polls.
        since = Math.max(0, body.path("now").asLong(since) - POLL_OVERLAP_MILLIS);
        Instant now = clock.instant();
        revoked.values().removeIf(expiresAt -> expiresAt.isBefore(now));
        if (failure != null) {
            LOG.infof("Revocation poll works again (the list was %s old)",
                    lastSuccess == null ? "never fetched" : Duration.between(lastSuccess, now));
            failure = null;
        }
        lastSuccess = now;
    }

    private JsonNode fetch() {
        try {
            TokenServiceProxy.Answer answer = tokenService.internal("GET", "/internal/v1/revocations?since=" + since,
                    null, null);
            if (answer.status() != 200) {
                throw new PollFailed("token-service answered " + answer.status());
            }
            return json.readTree(answer.body());
        } catch (TokenServiceClient.TokenServiceException e) {
            throw new PollFailed(e.getMessage());
        } catch (IOException e) {
            throw new PollFailed("token-service's answer cannot be read");
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
