package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.rest.OAuthException;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Throttles failed client authentication at the public OAuth endpoints ({@code /oauth/token},
 * {@code /oauth/revoke}, {@code /oauth/introspect}): after {@code max-failures} failures within
 * {@code window}, per client id and per caller address, further attempts answer 429
 * {@code slow_down} with {@code Retry-After}, without checking the secret.
 *
 * <p>Nothing is locked for good: the window slides, so attempts are let through again as soon as
 * old failures leave it. A caller address that authenticated that client successfully within the
 * last day is not held back by the client id's count (only by its own address's), so someone who
 * knows a client id (service client ids are not secret) cannot keep the real client out by
 * failing on purpose from elsewhere.
 *
 * <p>Counts are kept in memory, per replica: with N replicas a guesser gets at most N times the
 * limit. The caller address is the connection's, or the forwarded one when
 * {@code quarkus.http.proxy.*} trusts the proxy in front.
 */
@ApplicationScoped
public class ClientAuthThrottle {

    private static final Logger LOG = Logger.getLogger(ClientAuthThrottle.class);
    private static final Duration KNOWN_GOOD_FOR = Duration.ofDays(1);
    /** Bounds memory whatever callers send; beyond it, expired entries go first, then any. */
    private static final int MAX_ENTRIES = 10_000;

    private final TokenServiceConfig.OAuth.AuthThrottle settings;
    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();
    private final Map<String, Instant> knownGood = new ConcurrentHashMap<>();

    public ClientAuthThrottle(TokenServiceConfig config, Clock clock) {
        this.settings = config.oauth().authThrottle();
        this.clock = clock;
    }

    /**
     * Runs {@code call}, which authenticates the client first, unless the caller is throttled.
     * An {@code invalid_client} answer, from parsing the credentials or from {@code call}, counts
     * as a failure; any other outcome means the client authenticated.
     *
     * @param address the caller's address; null when unknown
     */
    public <T> T authenticate(String address, Supplier<ClientCredentials> credentials,
                              Function<ClientCredentials, T> call) {
        String addressKey = "address " + (address == null ? "unknown" : address);
        Instant now = clock.instant();
        refuseWhileThrottled(addressKey, now);
        ClientCredentials presented;
        try {
            presented = credentials.get();
        } catch (OAuthException e) {
            if ("invalid_client".equals(e.error())) {
                recordFailure(addressKey, now);
            }
            throw e;
        }
        // Bounded, whatever the caller sends as a client id.
        String clientId = presented.clientId().length() > 256 ? presented.clientId().substring(0, 256)
                : presented.clientId();
        String clientKey = "client " + clientId;
        String pairKey = clientId + "\n" + addressKey;
        if (!isKnownGood(pairKey, now)) {
            refuseWhileThrottled(clientKey, now);
        }
        T result;
        try {
            result = call.apply(presented);
        } catch (OAuthException e) {
            if ("invalid_client".equals(e.error())) {
                recordFailure(addressKey, now);
                recordFailure(clientKey, now);
                LOG.debugf("Client authentication failed (%s)", printable(addressKey));
            } else {
                rememberGood(pairKey, now);
            }
            throw e;
        }
        rememberGood(pairKey, now);
        return result;
    }

    private void rememberGood(String pairKey, Instant now) {
        if (knownGood.size() >= MAX_ENTRIES && !knownGood.containsKey(pairKey)) {
            knownGood.entrySet().removeIf(e -> !e.getValue().plus(KNOWN_GOOD_FOR).isAfter(now));
            Iterator<String> any = knownGood.keySet().iterator();
            while (knownGood.size() >= MAX_ENTRIES && any.hasNext()) {
                any.next();
                any.remove();
            }
        }
        knownGood.put(pairKey, now);
    }

    private void refuseWhileThrottled(String key, Instant now) {
        Deque<Instant> log = failures.get(key);
        if (log == null) {
            return;
        }
        Instant freeAt;
        synchronized (log) {
            prune(log, now);
            if (log.size() < settings.maxFailures()) {
                return;
            }
            // The log holds the newest max-failures failures: free again once the oldest leaves the window.
            freeAt = log.peekFirst().plus(settings.window());
        }
        long seconds = Math.max(1, (Duration.between(now, freeAt).toMillis() + 999) / 1000);
        LOG.debugf("Refused a client authentication attempt (%s): throttled for %d s", printable(key), seconds);
        throw OAuthException.slowDown("Too many failed client authentications; retry after " + seconds + " s",
                seconds);
    }

    private void recordFailure(String key, Instant now) {
        if (failures.size() >= MAX_ENTRIES && !failures.containsKey(key)) {
            evict(now);
        }
        Deque<Instant> log = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (log) {
            prune(log, now);
            log.addLast(now);
            // Only the newest max-failures matter.
            while (log.size() > settings.maxFailures()) {
                log.removeFirst();
            }
            if (log.size() == settings.maxFailures()) {
                LOG.infof("Throttling client authentication (%s): %d failures within %s", printable(key),
                        settings.maxFailures(), settings.window());
            }
        }
    }

    /** Caller-chosen text goes into the log without line breaks or control characters. */
    private static String printable(String text) {
        return text.replaceAll("\\p{Cntrl}", "?");
    }

    private boolean isKnownGood(String pairKey, Instant now) {
        Instant last = knownGood.get(pairKey);
        return last != null && last.plus(KNOWN_GOOD_FOR).isAfter(now);
    }

    private void prune(Deque<Instant> log, Instant now) {
        Instant cutoff = now.minus(settings.window());
        while (!log.isEmpty() && !log.peekFirst().isAfter(cutoff)) {
            log.removeFirst();
        }
    }

    private void evict(Instant now) {
        failures.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                prune(e.getValue(), now);
                return e.getValue().isEmpty();
            }
        });
        Iterator<String> any = failures.keySet().iterator();
        while (failures.size() >= MAX_ENTRIES && any.hasNext()) {
            any.next();
            any.remove();
        }
    }
}
