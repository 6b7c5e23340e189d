package dev.enclave.gateway.client;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.Subscriptions;
import io.smallrye.mutiny.operators.AbstractMulti;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.vertx.core.http.HttpClientResponse;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Relays the items of a streamed model-adapter response to a subscriber at the subscriber's pace,
 * holding at most about {@code high} items: past that, reading model-adapter's response is paused
 * (so TCP pushes back on model-adapter, and it on the model), and resumed once the subscriber has
 * taken the backlog down to {@code low}.
 * <p>
 * Needed because the REST client's {@code Multi} reads the response as fast as it arrives and
 * buffers whatever its subscriber has not requested (Quarkus 3.33), so a slow client of the
 * gateway would otherwise make it hold the whole answer.
 */
final class BoundedRelay<T> extends AbstractMulti<T> {

    private final Multi<T> upstream;
    private final Valve valve;
    private final int high;
    private final int low;

    BoundedRelay(Multi<T> upstream, Valve valve, int high, int low) {
        this.upstream = upstream;
        this.valve = valve;
        this.high = high;
        this.low = low;
    }

    @Override
    public void subscribe(MultiSubscriber<? super T> downstream) {
        Relay<T> relay = new Relay<>(downstream, valve, high, low);
        downstream.onSubscribe(relay);
        valve.onBroken(relay::onFailure);
        upstream.subscribe().withSubscriber(relay);
    }

    /**
     * The model-adapter response being read, handed over by {@link AdapterResponseTap} once its
     * headers arrived. Pausing before that is remembered and applied on arrival.
     * <p>
     * It also reports a response that cannot end any more (model-adapter's connection closed
     * mid-body): the REST client loses that failure when it comes before it has registered its
     * handlers, and its {@code Multi} would then never end.
     */
    static final class Valve {
        private HttpClientResponse response;
        private boolean paused;
        /**
         * The response was read to its end (or failed): pausing or resuming it then would act on a
         * connection that may already serve another call, so the valve leaves it alone.
         */
        private boolean finished;
        private Consumer<Throwable> brokenListener;
        private Throwable broken;

        void attach(HttpClientResponse response) {
            synchronized (this) {
                this.response = response;
                if (paused) {
                    response.pause();
                }
            }
            response.end().onComplete(ended -> {
                if (ended.failed()) {
                    broke(ended.cause());
                } else {
                    synchronized (this) {
                        finished = true;
                    }
                }
            });
        }

        private void broke(Throwable failure) {
            Consumer<Throwable> listener;
            synchronized (this) {
                finished = true;
                broken = failure;
                listener = brokenListener;
            }
            if (listener != null) {
                listener.accept(failure);
            }
        }

        void onBroken(Consumer<Throwable> listener) {
            Throwable failure;
            synchronized (this) {
                brokenListener = listener;
                failure = broken;
            }
            if (failure != null) {
                listener.accept(failure);
            }
        }

        synchronized boolean attached() {
            return response != null;
        }

        /** Pauses at {@code backlog >= high}, resumes at {@code backlog <= low}; one decision at a time. */
        synchronized void adjust(int backlog, int high, int low) {
            if (!paused && backlog >= high) {
                paused = true;
                if (response != null && !finished) {
                    response.pause();
                }
            } else if (paused && backlog <= low) {
                paused = false;
                if (response != null && !finished) {
                    response.resume();
                }
            }
        }
    }

    private static final class Relay<T> implements MultiSubscriber<T>, Flow.Subscription {
        private final MultiSubscriber<? super T> downstream;
        private final Valve valve;
        private final int high;
        private final int low;
        private final Queue<T> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger backlog = new AtomicInteger();
        private final AtomicLong requested = new AtomicLong();
        private final AtomicInteger wip = new AtomicInteger();
        private final AtomicReference<Flow.Subscription> upstream = new AtomicReference<>();
        private final AtomicBoolean ended = new AtomicBoolean();
        private volatile boolean done;
        private volatile boolean cancelled;
        private Throwable failure;

        Relay(MultiSubscriber<? super T> downstream, Valve valve, int high, int low) {
            this.downstream = downstream;
            this.valve = valve;
            this.high = high;
            this.low = low;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            if (upstream.compareAndSet(null, subscription)) {
                // the valve, not demand, limits what is read: the REST client's Multi would buffer unrequested items
                subscription.request(Long.MAX_VALUE);
            } else {
                subscription.cancel();
            }
        }

        @Override
        public void onItem(T item) {
            if (cancelled) {
                return;
            }
            queue.offer(item);
            valve.adjust(backlog.incrementAndGet(), high, low);
            drain();
        }

        @Override
        public void onFailure(Throwable failure) {
            // the REST client and the valve may both report a broken response: the first one counts
            if (cancelled || !ended.compareAndSet(false, true)) {
                return;
            }
            this.failure = failure;
            done = true;
            drain();
        }

        @Override
        public void onCompletion() {
            if (cancelled || !ended.compareAndSet(false, true)) {
                return;
            }
            done = true;
            drain();
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancel();
                downstream.onFailure(Subscriptions.getInvalidRequestException());
                return;
            }
            Subscriptions.add(requested, n);
            drain();
        }

        @Override
        public void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            // cancelling the REST client's Multi closes model-adapter's connection
            Flow.Subscription subscription = upstream.getAndSet(Subscriptions.CANCELLED);
            if (subscription != null && subscription != Subscriptions.CANCELLED) {
                subscription.cancel();
            }
            if (wip.getAndIncrement() == 0) {
                queue.clear();
            }
        }

        private void drain() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            for (;;) {
                long wanted = requested.get();
                long emitted = 0;
                while (emitted != wanted) {
                    if (cancelled) {
                        queue.clear();
                        return;
                    }
                    boolean finished = done;
                    T item = queue.poll();
                    if (item == null) {
                        if (finished) {
                            terminate();
                            return;
                        }
                        break;
                    }
                    valve.adjust(backlog.decrementAndGet(), high, low);
                    downstream.onItem(item);
                    emitted++;
                }
                if (emitted == wanted) {
                    if (cancelled) {
                        queue.clear();
                        return;
                    }
                    if (done && queue.isEmpty()) {
                        terminate();
                        return;
                    }
                }
                if (emitted != 0 && wanted != Long.MAX_VALUE) {
                    requested.addAndGet(-emitted);
                }
                missed = wip.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        private void terminate() {
            cancelled = true;
            if (failure != null) {
                downstream.onFailure(failure);
            } else {
                downstream.onCompletion();
            }
        }
    }
}
