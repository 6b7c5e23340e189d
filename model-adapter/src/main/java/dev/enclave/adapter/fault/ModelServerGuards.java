package dev.enclave.adapter.fault;

import dev.enclave.adapter.config.AdapterConfig;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.provider.ModelCallException;
import dev.enclave.adapter.service.Deadline;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import org.eclipse.microprofile.faulttolerance.exceptions.BulkheadException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A circuit breaker and a bulkhead per model endpoint (SmallRye Fault Tolerance {@link Guard}s,
 * one per scheme, host, port and base path), so that a broken or slow model server never affects
 * another.
 *
 * <p>A guarded call lives from its admission until its {@link Lease} ends: for a whole answer when
 * the answer (or failure) is in, for a stream when the stream ends, fails or its caller goes away.
 * Until then it holds its bulkhead slot, and its outcome is what the breaker counts. Failures that
 * count ({@link #countsAgainstModel}): no connection, a timeout, a 5xx, a malformed answer, a
 * stream that broke. A 4xx (429 included) is the caller's or its key's business and counts as a
 * success, as does a caller that went away.
 *
 * <p>Guards are kept in a bounded map: one unused for {@code idle-eviction} with no call in flight
 * is dropped, and beyond {@code max-tracked} the least recently used one without calls in flight
 * goes. Nothing here waits: calls queue in the bulkhead as {@link Uni}s, not threads.
 */
@ApplicationScoped
public class ModelServerGuards {

    private static final Logger LOG = Logger.getLogger(ModelServerGuards.class);
    private static final TypeLiteral<Uni<Void>> LIFE = new TypeLiteral<>() {
    };

    /** What a guard is kept per: where the calls go, without credentials or the request path. */
    public record Key(String scheme, String host, int port, String basePath) {
        static Key of(ModelEndpoint endpoint) {
            return new Key(endpoint.scheme(), endpoint.host(), endpoint.port(), endpoint.basePath());
        }

        /** How messages name the model server: its host and port, nothing of its paths. */
        public String server() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }

        @Override
        public String toString() {
            return scheme + "://" + server() + basePath;
        }
    }

    /** The end of a guarded call: frees its bulkhead slot and gives the breaker its outcome. Idempotent. */
    public interface Lease {
        /** @param failure null for success (or a caller that went away), else why the call failed */
        void end(Throwable failure);
    }

    /** A snapshot of one model endpoint's guard, for health data. */
    public record Status(String endpoint, CircuitBreakerState breaker, int inFlight, int waiting) {
    }

    private final Vertx vertx;
    private final AdapterConfig.CircuitBreaker breakerPolicy;
    private final AdapterConfig.Bulkhead bulkheadPolicy;
    private final int maxTracked;
    private final long idleNanos;
    private final Map<Key, ServerGuard> guards = new ConcurrentHashMap<>();

    public ModelServerGuards(Vertx vertx, AdapterConfig config) {
        this.vertx = vertx;
        this.breakerPolicy = config.modelServer().circuitBreaker();
        this.bulkheadPolicy = config.modelServer().bulkhead();
        this.maxTracked = Math.max(1, config.modelServer().maxTracked());
        this.idleNanos = config.modelServer().idleEviction().toNanos();
    }

    /**
     * Whether a failure counts towards opening the model endpoint's breaker: the model server (or
     * the way to it) is broken, not the request.
     */
    static boolean countsAgainstModel(Throwable failure) {
        if (!(failure instanceof ModelCallException e)) {
            return false;
        }
        return switch (e.kind()) {
            case UNREACHABLE, TIMEOUT -> true;
            // 5xx, or a 2xx that was no usable answer (malformed, over the cap, a stream that broke);
            // not a 4xx (the caller's request or key, 429 included), nor a 3xx (a configuration matter
            // whose own message says more than an open breaker would)
            case MODEL_SERVER_ERROR -> e.modelStatus() == null || e.modelStatus() >= 500 || e.modelStatus() / 100 == 2;
            case INVALID_REQUEST, EGRESS_DENIED, CIRCUIT_OPEN, BUSY -> false;
        };
    }

    /**
     * One guarded call to {@code endpoint}. Refused at once with {@code CIRCUIT_OPEN} while its
     * breaker is open, or {@code BUSY} when its bulkhead and queue are full (or the deadline passes
     * while queued); otherwise {@code attempt} runs with the call's {@link Lease}.
     *
     * @param endOnItem true: the lease ends with the attempt's item (a whole answer); false: the
     *                  item takes the lease over and must end it (a stream)
     */
    public <T> Uni<T> call(ModelEndpoint endpoint, Deadline deadline, boolean endOnItem,
                           Function<Lease, Uni<T>> attempt) {
        return Uni.createFrom().emitter(result -> {
            ServerGuard server = guardFor(Key.of(endpoint));
            Call<T> call = new Call<>(server, result, deadline, endOnItem, attempt);
            result.onTermination(call::terminated);
            call.start();
        });
    }

    /** Snapshots of the endpoints that are not plainly fine: breaker not closed, or calls in flight. */
    public List<Status> busyOrBroken(int atMost) {
        List<Status> shown = new ArrayList<>();
        for (ServerGuard server : guards.values()) {
            if (shown.size() >= atMost) {
                break;
            }
            if (server.state != CircuitBreakerState.CLOSED || server.running.get() > 0 || server.waiting.get() > 0) {
                shown.add(server.status());
            }
        }
        return shown;
    }

    /** The breaker state of one endpoint; CLOSED when it has no guard (yet, or any more). */
    public Status status(String endpointUrl) {
        Key key = Key.of(ModelEndpoint.parse(endpointUrl));
        ServerGuard server = guards.get(key);
        return server == null ? new Status(key.toString(), CircuitBreakerState.CLOSED, 0, 0) : server.status();
    }

    public int tracked() {
        return guards.size();
    }

    private ServerGuard guardFor(Key key) {
        ServerGuard server = guards.get(key);
        if (server == null) {
            if (guards.size() >= maxTracked) {
                evict(true);
            }
            server = guards.computeIfAbsent(key, ServerGuard::new);
        }
        server.touch();
        return server;
    }

    /**
     * Drops guards with no call in flight or waiting: every one idle longer than
     * {@code idle-eviction}, and, with {@code makeRoom}, the least recently used one when the map is
     * full. One with calls in flight is never dropped (its slots would be lost), so the map may
     * briefly hold more than {@code max-tracked}: at most as many more as there are calls in flight.
     */
    synchronized void evict(boolean makeRoom) {
        long now = System.nanoTime();
        guards.values().removeIf(server -> server.idle() && now - server.lastUsed > idleNanos);
        if (makeRoom && guards.size() >= maxTracked) {
            guards.values().stream()
                    .filter(ServerGuard::idle)
                    .min(Comparator.comparingLong(server -> server.lastUsed))
                    .ifPresent(oldest -> guards.remove(oldest.key, oldest));
        }
    }

    /** Idle guards go even when nobody calls new endpoints. */
    @Scheduled(every = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void evictIdle() {
        evict(false);
    }

    /** One model endpoint's breaker and bulkhead. */
    private final class ServerGuard {
        final Key key;
        final Guard guard;
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger waiting = new AtomicInteger();
        volatile CircuitBreakerState state = CircuitBreakerState.CLOSED;
        volatile long openedAt;
        volatile long lastUsed = System.nanoTime();

        ServerGuard(Key key) {
            this.key = key;
            this.guard = Guard.create()
                    .withDescription("model server " + key)
                    // not named: a named breaker is registered for good, and these come and go with the map
                    .withCircuitBreaker()
                        .requestVolumeThreshold(breakerPolicy.requestVolumeThreshold())
                        .failureRatio(breakerPolicy.failureRatio())
                        .delay(breakerPolicy.delay().toMillis(), ChronoUnit.MILLIS)
                        .successThreshold(breakerPolicy.successThreshold())
                        .when(ModelServerGuards::countsAgainstModel)
                        .onStateChange(this::changed)
                        .done()
                    .withBulkhead()
                        .limit(bulkheadPolicy.limit())
                        .queueSize(Math.max(1, bulkheadPolicy.queueSize()))
                        .done()
                    // the guarded Uni never blocks: it stays on the calling event loop
                    .withThreadOffload(false)
                    .build();
        }

        private void changed(CircuitBreakerState next) {
            if (next == CircuitBreakerState.OPEN) {
                openedAt = System.nanoTime();
                LOG.warnf("Circuit breaker for model server %s opened after repeated failures: its calls are "
                        + "refused for %s", key, seconds(breakerPolicy.delay()));
            } else if (state != next) {
                LOG.infof("Circuit breaker for model server %s is %s", key, next);
            }
            state = next;
        }

        void touch() {
            lastUsed = System.nanoTime();
        }

        boolean idle() {
            return running.get() == 0 && waiting.get() == 0;
        }

        /** Whole seconds until an open breaker lets a probe through, at least 1. */
        long secondsUntilProbe() {
            long left = breakerPolicy.delay().toNanos() - (System.nanoTime() - openedAt);
            return Math.max(1, (left + 999_999_999L) / 1_000_000_000L);
        }

        Status status() {
            return new Status(key.toString(), state, running.get(), waiting.get());
        }
    }

    /**
     * One call through a guard: waits (as a Uni) in the bulkhead's queue, runs its attempt once
     * admitted, and ends its lease. All state changes happen under its lock; callbacks run outside.
     */
    private final class Call<T> implements Lease {
        private final ServerGuard server;
        private final UniEmitter<? super T> result;
        private final Deadline deadline;
        private final boolean endOnItem;
        private final Function<Lease, Uni<T>> attempt;
        private boolean admitted;
        /** The caller went away, or its deadline passed while queued. */
        private boolean abandoned;
        /** The result emitter got its item or failure. */
        private boolean answered;
        private boolean ended;
        private boolean waiting;
        private UniEmitter<? super Void> life;
        private Cancellable running;
        private long queueTimer = -1;

        Call(ServerGuard server, UniEmitter<? super T> result, Deadline deadline, boolean endOnItem,
             Function<Lease, Uni<T>> attempt) {
            this.server = server;
            this.result = result;
            this.deadline = deadline;
            this.endOnItem = endOnItem;
            this.attempt = attempt;
        }

        void start() {
            synchronized (this) {
                waiting = true;
            }
            server.waiting.incrementAndGet();
            server.guard.get(() -> Uni.createFrom().<Void>emitter(this::admitted), LIFE)
                    .subscribe().with(ignored -> { }, this::guardFailed);
            boolean queued;
            synchronized (this) {
                queued = !admitted && !answered;
            }
            if (queued) {
                // admitted later, when a slot frees; within the deadline, or not at all
                long millis = Math.max(1, deadline.remaining().toMillis());
                long timer = vertx.setTimer(millis, id -> queuedTooLong());
                synchronized (this) {
                    queueTimer = timer;
                }
            }
        }

        private void notWaiting() {
            boolean was;
            synchronized (this) {
                was = waiting;
                waiting = false;
            }
            if (was) {
                server.waiting.decrementAndGet();
            }
        }

        /** The guard let the call through: the bulkhead slot is held until {@link #end}. */
        private void admitted(UniEmitter<? super Void> life) {
            notWaiting();
            server.running.incrementAndGet();
            boolean gone;
            long timer;
            synchronized (this) {
                this.life = life;
                admitted = true;
                gone = abandoned;
                timer = queueTimer;
            }
            if (timer != -1) {
                vertx.cancelTimer(timer);
            }
            if (gone) {
                // admitted after the caller left (or its deadline passed in the queue): give the slot back
                end(null);
                return;
            }
            Uni<T> call;
            try {
                call = attempt.apply(this);
            } catch (RuntimeException e) {
                end(e);
                fail(e);
                return;
            }
            Cancellable subscription = call.subscribe().with(item -> {
                if (endOnItem) {
                    end(null);
                }
                answer(item);
            }, failure -> {
                end(failure);
                fail(failure);
            });
            boolean cancel;
            synchronized (this) {
                running = subscription;
                cancel = abandoned;
            }
            if (cancel) {
                subscription.cancel();
                end(null);
            }
        }

        /** The guard's own refusal (before admission); after admission, the life's failure, already handled. */
        private void guardFailed(Throwable failure) {
            notWaiting();
            if (failure instanceof CircuitBreakerOpenException) {
                long after = server.secondsUntilProbe();
                fail(new ModelCallException(ModelCallException.Kind.CIRCUIT_OPEN, null, "the model server at "
                        + server.key.server() + " failed repeatedly; calls resume after " + after + " s", after));
            } else if (failure instanceof BulkheadException) {
                LOG.warnf("Model server %s: %d calls in flight and %d waiting, call refused", server.key,
                        bulkheadPolicy.limit(), Math.max(1, bulkheadPolicy.queueSize()));
                fail(new ModelCallException(ModelCallException.Kind.BUSY, null,
                        "too many calls in flight to the model server at " + server.key.server()));
            } else {
                boolean wasAdmitted;
                synchronized (this) {
                    wasAdmitted = admitted;
                }
                if (!wasAdmitted) {
                    fail(failure);
                }
            }
        }

        private void queuedTooLong() {
            synchronized (this) {
                if (admitted || answered) {
                    return;
                }
                abandoned = true;
            }
            LOG.warnf("Model server %s: no bulkhead slot freed within the request's %s", server.key,
                    seconds(deadline.budget()));
            fail(new ModelCallException(ModelCallException.Kind.BUSY, null,
                    "too many calls in flight to the model server at " + server.key.server()
                            + "; none finished within the request's " + seconds(deadline.budget())));
        }

        /** The result emitter terminated: by its item or failure, or because the caller went away. */
        void terminated() {
            Cancellable subscription;
            boolean wasAdmitted;
            synchronized (this) {
                if (answered) {
                    return;
                }
                abandoned = true;
                subscription = running;
                wasAdmitted = admitted;
            }
            if (subscription != null) {
                // the model connection closes with it
                subscription.cancel();
            }
            if (wasAdmitted) {
                end(null);
            }
        }

        private void answer(T item) {
            synchronized (this) {
                if (answered) {
                    return;
                }
                answered = true;
            }
            result.complete(item);
        }

        private void fail(Throwable failure) {
            synchronized (this) {
                if (answered) {
                    return;
                }
                answered = true;
            }
            result.fail(failure);
        }

        @Override
        public void end(Throwable failure) {
            UniEmitter<? super Void> done;
            synchronized (this) {
                if (ended || life == null) {
                    return;
                }
                ended = true;
                done = life;
            }
            server.running.decrementAndGet();
            server.touch();
            if (failure == null) {
                done.complete(null);
            } else {
                done.fail(failure);
            }
        }
    }

    static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.2f s",
                millis / 1000.0);
    }
}
