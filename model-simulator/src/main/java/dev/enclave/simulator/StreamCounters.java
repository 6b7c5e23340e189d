package dev.enclave.simulator;

import java.util.concurrent.atomic.AtomicLong;

/** The atomics behind {@link StreamStats}; lock-free, so streaming never contends on them. */
final class StreamCounters {

    enum Outcome { COMPLETED, CANCELLED, DROPPED, FAILED }

    private final AtomicLong started = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();

    void started() {
        inFlight.incrementAndGet();
        started.incrementAndGet();
    }

    void ended(Outcome outcome) {
        switch (outcome) {
            case COMPLETED -> completed.incrementAndGet();
            case CANCELLED -> cancelled.incrementAndGet();
            case DROPPED -> dropped.incrementAndGet();
            case FAILED -> failed.incrementAndGet();
        }
        inFlight.decrementAndGet();
    }

    /** Each count is read on its own; a stream ending meanwhile may show in one count and not yet in another. */
    StreamStats snapshot() {
        return new StreamStats(started.get(), completed.get(), cancelled.get(), dropped.get(), failed.get(),
                inFlight.get());
    }

    /** Zeroes the totals; {@code inFlight} keeps counting the streams still running. */
    void reset() {
        started.set(0);
        completed.set(0);
        cancelled.set(0);
        dropped.set(0);
        failed.set(0);
    }
}
