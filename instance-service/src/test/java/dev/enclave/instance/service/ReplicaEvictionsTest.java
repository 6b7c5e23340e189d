package dev.enclave.instance.service;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two replicas' ReplicaEvictions on a real Redis (127.0.0.1:6379, which CI starts; skipped where
 * none answers): what one publishes reaches the other at once, also after Redis dropped the
 * subscription.
 */
class ReplicaEvictionsTest {

    static final String REDIS = LocalRedis.URL;
    static Vertx vertx;

    @BeforeAll
    static void redis() {
        LocalRedis.require();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void close() {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    static void await(String what, BooleanSupplier condition, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within " + within).isLessThan(end);
            Thread.sleep(20);
        }
    }

    @Test
    void whatOneReplicaPublishesReachesTheOtherAtOnce() throws Exception {
        ReplicaEvictions first = new ReplicaEvictions(vertx, REDIS);
        ReplicaEvictions second = new ReplicaEvictions(vertx, REDIS);
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        second.onMessage(received::add);
        try {
            first.subscribe();
            second.subscribe();
            await("both subscribed", () -> first.subscribed() && second.subscribed(), Duration.ofSeconds(5));

            String message = "token:" + Math.abs(UUID.randomUUID().getMostSignificantBits());
            long sent = System.nanoTime();
            first.publish(message);
            assertThat(received.poll(1, TimeUnit.SECONDS)).isEqualTo(message);
            System.out.printf("delivered in %d ms%n", (System.nanoTime() - sent) / 1_000_000);
        } finally {
            first.stop(null);
            second.stop(null);
        }
    }

    @Test
    void aDroppedSubscriptionIsRenewed() throws Exception {
        ReplicaEvictions first = new ReplicaEvictions(vertx, REDIS);
        ReplicaEvictions second = new ReplicaEvictions(vertx, REDIS);
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        second.onMessage(received::add);
        Redis admin = Redis.createClient(vertx, REDIS);
        try {
            second.subscribe();
            await("subscribed", second::subscribed, Duration.ofSeconds(5));

            // Redis drops every pub/sub connection (as a restart or a network cut would)
            RedisAPI.api(admin).client(List.of("KILL", "TYPE", "pubsub"))
                    .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            await("the loss noticed", () -> !second.subscribed(), Duration.ofSeconds(5));
            await("subscribed again", second::subscribed, Duration.ofSeconds(5));

            first.publish("user:42");
            assertThat(received.poll(1, TimeUnit.SECONDS)).isEqualTo("user:42");
        } finally {
            admin.close();
            first.stop(null);
            second.stop(null);
        }
    }

    @Test
    void withoutAUrlNothingIsSentOrReceived() {
        ReplicaEvictions none = new ReplicaEvictions(vertx, (String) null);
        assertThat(none.enabled()).isFalse();
        none.subscribe();
        none.publish("token:1");
        assertThat(none.subscribed()).isFalse();
    }
}
