package dev.enclave.instance.service;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rate-limit windows in a real Redis (127.0.0.1:6379, which CI starts; skipped where none
 * answers), counted by two clients as two replicas would.
 */
class SharedRateLimitsTest {

    static final String REDIS = LocalRedis.URL;
    static Vertx vertx;
    static SharedRateLimits replica1;
    static SharedRateLimits replica2;

    @BeforeAll
    static void redis() {
        LocalRedis.require();
        vertx = Vertx.vertx();
        replica1 = new SharedRateLimits(vertx, REDIS, Duration.ofSeconds(2));
        replica2 = new SharedRateLimits(vertx, REDIS, Duration.ofSeconds(2));
    }

    @AfterAll
    static void close() {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    /** A user no earlier run has counted for. */
    static long freshUser() {
        return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    }

    @Test
    void twoReplicasShareOneWindow() {
        long user = freshUser();
        for (int i = 0; i < 60; i++) {
            SharedRateLimits replica = i % 2 == 0 ? replica1 : replica2;
            assertThat(replica.acquire("code_suggestions", user, 60, 60_000)).as("request %d", i + 1)
                    .isEqualTo(OptionalLong.of(0));
        }
        OptionalLong refused = replica1.acquire("code_suggestions", user, 60, 60_000);
        assertThat(refused).isPresent();
        assertThat(refused.getAsLong()).as("ms until the window ends").isBetween(1L, 60_000L);
        assertThat(replica2.acquire("code_suggestions", user, 60, 60_000).getAsLong()).isPositive();
        assertThat(replica2.acquire("chat", user, 60, 60_000)).as("another limit has its own window")
                .isEqualTo(OptionalLong.of(0));
        assertThat(replica2.acquire("code_suggestions", freshUser(), 60, 60_000)).as("another user too")
                .isEqualTo(OptionalLong.of(0));
    }

    @Test
    void concurrentRequestsThroughBothReplicasTakeExactlyTheLimit() throws Exception {
        long user = freshUser();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<OptionalLong>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                SharedRateLimits replica = i % 2 == 0 ? replica1 : replica2;
                calls.add(() -> replica.acquire("code_suggestions", user, 60, 60_000));
            }
            long allowed = 0;
            for (Future<OptionalLong> answer : pool.invokeAll(calls)) {
                assertThat(answer.get()).isPresent();
                if (answer.get().getAsLong() == 0) {
                    allowed++;
                }
            }
            assertThat(allowed).isEqualTo(60);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aNewWindowOpensOnceTheLastOneEnded() throws InterruptedException {
        long user = freshUser();
        assertThat(replica1.acquire("chat", user, 2, 300)).isEqualTo(OptionalLong.of(0));
        assertThat(replica2.acquire("chat", user, 2, 300)).isEqualTo(OptionalLong.of(0));
        assertThat(replica1.acquire("chat", user, 2, 300).getAsLong()).isBetween(1L, 300L);
        Thread.sleep(400);
        assertThat(replica2.acquire("chat", user, 2, 300)).isEqualTo(OptionalLong.of(0));
    }

    @Test
    void anUnreachableRedisIsReportedInTimeSoTheReplicaCountsAlone() throws IOException {
        int closedPort;
        try (ServerSocket free = new ServerSocket(0)) {
            closedPort = free.getLocalPort();
        }
        SharedRateLimits nowhere = new SharedRateLimits(vertx, "redis://127.0.0.1:" + closedPort, Duration.ofMillis(250));
        long start = System.nanoTime();
        assertThat(nowhere.acquire("code_suggestions", 1, 60, 60_000)).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(nowhere.enabled()).isTrue();
    }

    @Test
    void withoutAUrlNothingIsShared() {
        SharedRateLimits none = new SharedRateLimits(vertx, null, Duration.ofMillis(250));
        assertThat(none.enabled()).isFalse();
        assertThat(none.acquire("chat", 1, 1, 1000)).isEmpty();
    }

    @Test
    void aPasswordNeverReachesTheLog() {
        assertThat(SharedRateLimits.redacted("redis://:s3cret@redis.internal:6379/0"))
                .isEqualTo("redis://***@redis.internal:6379/0").doesNotContain("s3cret");
        assertThat(SharedRateLimits.redacted("redis://redis:6379")).isEqualTo("redis://redis:6379");
    }
}
