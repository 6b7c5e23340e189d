package dev.enclave.instance.service;

import dev.enclave.instance.config.InstanceConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The rate-limit windows in Redis, shared by every instance-service replica
 * ({@code enclave.instance.redis-url}). One Lua script per request does the whole
 * check atomically in Redis, so two replicas can never both take the last request of a window: the
 * window starts at the user's first request (the key's expiry is the window's end) and counts up to
 * the limit, as {@link RateLimiter} does in memory and GitLab's ApplicationRateLimiter does in its
 * Redis. A refused request is not counted.
 * <p>
 * Redis unreachable, or slower than {@code enclave.instance.redis-timeout}: {@link #acquire} says so (empty) and the
 * caller counts in this replica's memory instead. A user then gets up to the limit per replica
 * until Redis answers again: the AI endpoints stay up, at the price of a looser limit for that time
 * (the log says when it starts and ends).
 */
@ApplicationScoped
public class SharedRateLimits {

    private static final Logger LOG = Logger.getLogger(SharedRateLimits.class);

    /**
     * KEYS[1] the user's window; ARGV[1] the window in ms; ARGV[2] the limit. Returns 0 when the
     * request is allowed (and counted), else the ms until the window ends.
     */
    static final String SCRIPT = """
            local count = tonumber(redis.call('GET', KEYS[1]) or '0')
            if count >= tonumber(ARGV[2]) then
              local left = redis.call('PTTL', KEYS[1])
              if left > 0 then return left end
              redis.call('DEL', KEYS[1])
            end
            if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            return 0
            """;
    static final String KEY_PREFIX = "enclave:rate-limit:";

    private final Redis client;
    private final RedisAPI api;
    private final Duration timeout;
    private final String endpoint;
    private final AtomicBoolean unavailable = new AtomicBoolean();

    @Inject
    public SharedRateLimits(Vertx vertx, InstanceConfig config) {
        this(vertx, config.redisUrl().orElse(null), config.redisTimeout());
    }

    SharedRateLimits(Vertx vertx, String url, Duration timeout) {
        this.timeout = timeout;
        if (url == null || url.isBlank()) {
            client = null;
            api = null;
            endpoint = null;
            return;
        }
        client = Redis.createClient(vertx, new RedisOptions().setConnectionString(url.trim())
                .setMaxPoolSize(16).setMaxPoolWaiting(1024));
        api = RedisAPI.api(client);
        endpoint = redacted(url.trim());
        LOG.infof("Rate limits are shared by the replicas through Redis at %s", endpoint);
    }

    /** Whether a Redis is configured. */
    public boolean enabled() {
        return api != null;
    }

    /**
     * @return the ms until the caller may retry (0: allowed and counted), or empty when Redis could
     * not say in time: the caller then counts in memory
     */
    public OptionalLong acquire(String bucket, long userId, int limit, long windowMillis) {
        if (api == null) {
            return OptionalLong.empty();
        }
        if (Context.isOnEventLoopThread()) {
            // waiting here would block the event loop that carries the answer: count in memory instead
            return OptionalLong.empty();
        }
        try {
            Response answer = api.eval(List.of(SCRIPT, "1", KEY_PREFIX + bucket + ":" + userId,
                            Long.toString(windowMillis), Integer.toString(limit)))
                    .toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (unavailable.compareAndSet(true, false)) {
                LOG.infof("Redis at %s answers again: rate limits are shared by the replicas again", endpoint);
            }
            return OptionalLong.of(answer.toLong());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (Exception e) {
            if (unavailable.compareAndSet(false, true)) {
                LOG.warnf("Redis at %s did not answer within %d ms (%s): each replica counts rate limits alone "
                        + "until it does", endpoint, timeout.toMillis(), e.getCause() == null ? e : e.getCause());
            }
            return OptionalLong.empty();
        }
    }

    void close(@Observes ShutdownEvent event) {
        if (client != null) {
            client.close();
        }
    }

    /** The URL without a password, for the log. */
    static String redacted(String url) {
        int at = url.lastIndexOf('@');
        int scheme = url.indexOf("://");
        return at < 0 || scheme < 0 ? url : url.substring(0, scheme + 3) + "***@" + url.substring(at + 1);
    }
}
