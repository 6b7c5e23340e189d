package dev.enclave.instance.service;

import dev.enclave.instance.config.InstanceConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * GitLab's per-user throttles on the AI endpoints ({@code enclave.instance.rate-limits.*}; GitLab's
 * 60 completions a minute and so on by default). Like GitLab's ApplicationRateLimiter, a window
 * starts at a user's first request and counts up to the limit; the next request after the window
 * opens a new one. One compare-and-set per request, no lock and no per-request log, so it stays
 * cheap at thousands of requests a second. With {@code enclave.instance.redis-url} set
 * the windows are counted in Redis instead, shared by every replica ({@link SharedRateLimits});
 * while Redis does not answer, each replica counts alone here.
 */
@ApplicationScoped
public class RateLimiter {

    public enum Bucket {
        CODE_SUGGESTIONS, DIRECT_ACCESS, CHAT
    }

    private record Limit(int requests, long perMillis) {
    }

    private record Window(long start, int count) {
    }

    private final Clock clock;
    private final SharedRateLimits shared;
    private final Map<Bucket, Limit> limits = new EnumMap<>(Bucket.class);
    private final Map<Bucket, Map<Long, AtomicReference<Window>>> windows = new EnumMap<>(Bucket.class);
    /** {@code enclave_rate_limit_rejections_total{limit}}, one counter per bucket, built once. */
    private final Map<Bucket, Counter> rejections = new EnumMap<>(Bucket.class);

    public RateLimiter(Clock clock, InstanceConfig config, SharedRateLimits shared, MeterRegistry registry) {
        this.clock = clock;
        this.shared = shared;
        for (Bucket bucket : Bucket.values()) {
            rejections.put(bucket, Counter.builder("enclave.rate.limit.rejections")
                    .description("AI requests refused with 429 by the per-user rate limits")
                    .tag("limit", bucket.name().toLowerCase(java.util.Locale.ROOT)).register(registry));
        }
        InstanceConfig.RateLimits configured = config.rateLimits();
        limits.put(Bucket.CODE_SUGGESTIONS, limit(configured.codeSuggestions(), "code-suggestions"));
        limits.put(Bucket.DIRECT_ACCESS, limit(configured.directAccess(), "direct-access"));
        limits.put(Bucket.CHAT, limit(configured.chat(), "chat"));
        for (Bucket bucket : Bucket.values()) {
            windows.put(bucket, new ConcurrentHashMap<>());
        }
    }

    private static Limit limit(InstanceConfig.Limit limit, String name) {
        if (limit.requests() < 1 || limit.per().isNegative() || limit.per().isZero()) {
            throw new IllegalArgumentException("enclave.instance.rate-limits." + name
                    + ": requests must be at least 1 and per a positive duration");
        }
        return new Limit(limit.requests(), limit.per().toMillis());
    }

    /** @return seconds until the caller may retry, or 0 when this request is allowed (and counted) */
    public long acquire(Bucket bucket, long userId) {
        Limit limit = limits.get(bucket);
        if (shared.enabled()) {
            java.util.OptionalLong retryMillis = shared.acquire(bucket.name().toLowerCase(java.util.Locale.ROOT),
                    userId, limit.requests(), limit.perMillis());
            if (retryMillis.isPresent()) {
                if (retryMillis.getAsLong() == 0) {
                    return 0;
                }
                rejections.get(bucket).increment();
                return Math.max(1, (retryMillis.getAsLong() + 999) / 1000);
            }
            // Redis did not answer: this replica's own count
        }
        return acquireLocally(bucket, userId, limit);
    }

    private long acquireLocally(Bucket bucket, long userId, Limit limit) {
        Map<Long, AtomicReference<Window>> perUser = windows.get(bucket);
        long now = clock.millis();
        AtomicReference<Window> ref = perUser.get(userId);
        if (ref == null) {
            ref = perUser.computeIfAbsent(userId, k -> new AtomicReference<>(new Window(now, 0)));
        }
        while (true) {
            Window current = ref.get();
            Window next;
            if (now - current.start() >= limit.perMillis()) {
                next = new Window(now, 1);
            } else if (current.count() >= limit.requests()) {
                rejections.get(bucket).increment();
                long remaining = current.start() + limit.perMillis() - now;
                return Math.max(1, (remaining + 999) / 1000);
            } else {
                next = new Window(current.start(), current.count() + 1);
            }
            if (ref.compareAndSet(current, next)) {
                return 0;
            }
        }
    }

    /** Drops windows that are over, so that users who stopped calling cost no memory. */
    @Scheduled(every = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        long now = clock.millis();
        windows.forEach((bucket, perUser) -> {
            long per = limits.get(bucket).perMillis();
            perUser.entrySet().removeIf(e -> now - e.getValue().get().start() >= per);
        });
    }
}
