package dev.enclave.instance.client;

import java.time.Duration;

/**
 * A request's budget, fixed once at the edge (55 s for code suggestions, the AI settings' timeout
 * for chat) and covering the whole request, streaming included. Measured on the monotonic clock.
 */
public record Deadline(long startNanos, Duration budget) {

    public static Deadline start(Duration budget) {
        return new Deadline(System.nanoTime(), budget);
    }

    public long remainingMillis() {
        long elapsed = (System.nanoTime() - startNanos) / 1_000_000;
        return Math.max(0, budget.toMillis() - elapsed);
    }

    public boolean expired() {
        return remainingMillis() <= 0;
    }

    /** "55 s", "1.5 s": how the budget is named in error messages. */
    public String describeBudget() {
        return TokenServiceProxy.seconds(budget.toMillis());
    }
}
