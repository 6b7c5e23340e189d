package dev.enclave.instance.service;

import dev.enclave.instance.config.InstanceConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Tells the other instance-service replicas, through Redis pub/sub ({@code enclave.instance.redis-url}),
 * what a replica changed that they may have cached: a personal access token revoked, a user blocked.
 * Each replica forgets its cached copy within milliseconds instead of at the end of
 * {@code pat-cache-ttl}. Best effort on purpose: while Redis cannot be reached, a message is lost and
 * the cache's time-to-live still bounds how long the old state is served (the log says when this
 * starts and ends); the subscription is renewed every second until Redis answers again.
 */
@ApplicationScoped
public class ReplicaEvictions {

    private static final Logger LOG = Logger.getLogger(ReplicaEvictions.class);
    static final String CHANNEL = "enclave:instance:evictions";
    private static final long RESUBSCRIBE_MS = 1000;

    private final Vertx vertx;
    private final RedisOptions options;
    private final RedisAPI api;
    private final Redis publisher;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean down = new AtomicBoolean();
    private volatile boolean stopped;
    private volatile Redis subscriberClient;
    private volatile boolean subscribed;

    @Inject
    public ReplicaEvictions(Vertx vertx, InstanceConfig config) {
        this(vertx, config.redisUrl().orElse(null));
    }

    ReplicaEvictions(Vertx vertx, String url) {
        this.vertx = vertx;
        if (url == null || url.isBlank()) {
            options = null;
            publisher = null;
            api = null;
            return;
        }
        options = new RedisOptions().setConnectionString(url.trim());
        publisher = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(4).setMaxPoolWaiting(1024));
        api = RedisAPI.api(publisher);
    }

    public boolean enabled() {
        return api != null;
    }

    /** Whether this replica is subscribed now (messages from the others reach it). */
    public boolean subscribed() {
        return subscribed;
    }

    /** {@code listener} gets every message published by any replica (this one included). */
    public void onMessage(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** Sends {@code message} to every replica; never blocks, never fails the caller. */
    public void publish(String message) {
        if (api == null) {
            return;
        }
        api.publish(CHANNEL, message).onFailure(e -> {
            if (down.compareAndSet(false, true)) {
                LOG.warnf("Cannot tell the other replicas through Redis (%s): they see revocations within "
                        + "pat-cache-ttl until it answers", e.getMessage());
            }
        });
    }

    void start(@Observes StartupEvent event) {
        subscribe();
    }

    /** Starts the subscription (once Redis answers, and again whenever it is lost). */
    public void subscribe() {
        if (options == null || stopped) {
            return;
        }
        Redis client = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(1));
        subscriberClient = client;
        AtomicBoolean gone = new AtomicBoolean();
        client.connect().onSuccess(connection -> {
            connection.handler(this::deliver);
            connection.exceptionHandler(e -> lost(gone, client, connection, e.getMessage()));
            connection.endHandler(ignored -> lost(gone, client, connection, "connection closed"));
            connection.send(Request.cmd(Command.SUBSCRIBE).arg(CHANNEL)).onSuccess(ok -> {
                subscribed = true;
                if (down.compareAndSet(true, false)) {
                    LOG.infof("Subscribed to the other replicas' revocations through Redis again");
                }
            }).onFailure(e -> lost(gone, client, connection, e.getMessage()));
        }).onFailure(e -> lost(gone, client, null, e.getMessage()));
    }

    /** The subscription is gone (reported once per connection, however many handlers say so). */
    private void lost(AtomicBoolean gone, Redis client, RedisConnection connection, String why) {
        if (!gone.compareAndSet(false, true)) {
            return;
        }
        subscribed = false;
        if (connection != null) {
            connection.close();
        }
        client.close();
        if (stopped) {
            return;
        }
        if (down.compareAndSet(false, true)) {
            LOG.warnf("Not subscribed to the other replicas' revocations through Redis (%s): they reach this "
                    + "replica within pat-cache-ttl until it answers again", why);
        }
        vertx.setTimer(RESUBSCRIBE_MS, ignored -> subscribe());
    }

    private void deliver(Response message) {
        // RESP2: ["message", channel, payload] as a multi-bulk; RESP3: the same as a push
        if ((message.type() == ResponseType.PUSH || message.type() == ResponseType.MULTI) && message.size() == 3
                && "message".equals(message.get(0).toString()) && CHANNEL.equals(message.get(1).toString())) {
            String payload = message.get(2).toString();
            for (Consumer<String> listener : listeners) {
                try {
                    listener.accept(payload);
                } catch (RuntimeException e) {
                    LOG.warnf("A replica message (%s) could not be applied: %s", payload, e.getMessage());
                }
            }
        }
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        subscribed = false;
        Redis client = subscriberClient;
        if (client != null) {
            client.close();
        }
        if (publisher != null) {
            publisher.close();
        }
    }
}
