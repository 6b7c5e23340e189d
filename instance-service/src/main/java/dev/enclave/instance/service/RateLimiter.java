package dev.enclave.instance.service;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GitLab's per-user throttles on the AI endpoints (e.g. 60 completions a minute), as a sliding
 * log per user and bucket. Counts are per replica; with several replicas the effective limit is
 * that many times higher until a shared store (Redis) backs it.
 */
@ApplicationScoped
public class RateLimiter {

    public record Limit(String bucket, int requests, Duration per) {
    }

    public static final Limit CODE_SUGGESTIONS = new Limit("code_suggestions", 60, Duration.ofMinutes(1));
    public static final Limit DIRECT_ACCESS = new Limit("direct_access", 10, Duration.ofMinutes(5));
    public static final Limit CHAT = new Limit("chat", 60, Duration.ofMinutes(1));

    private final Clock clock;
    private final Map<String, Deque<Long>> logs = new ConcurrentHashMap<>();

    public RateLimiter(Clock clock) {
        this.clock = clock;
    }

    /** @return seconds until the caller may retry, or 0 when this request is allowed (and counted) */
    public long acquire(Limit limit, long userId) {
        long now = clock.millis();
        long windowStart = now - limit.per().toMillis();
        Deque<Long> log = logs.computeIfAbsent(limit.bucket() + ":" + userId, k -> new ArrayDeque<>());
        synchronized (log) {
            while (!log.isEmpty() && log.peekFirst() <= windowStart) {
                log.pollFirst();
            }
            if (log.size() >= limit.requests()) {
                return Math.max(1, (log.peekFirst() - windowStart + 999) / 1000);
            }
            log.addLast(now);
            return 0;
        }
    }
}
