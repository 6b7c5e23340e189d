package dev.enclave.gateway.client;

import java.time.Duration;

/**
 * When a request must be answered: its arrival plus the caller's budget ({@code X-Enclave-Timeout-Ms},
 * relative, so clocks need not agree), or the gateway's default budget when the caller sent none.
 *
 * @param atNanos {@link System#nanoTime()} at which the budget is spent
 * @param budget  the whole budget, as granted on arrival (for the wording of errors)
 */
public record Deadline(long atNanos, Duration budget) {

    /** The header every hop reads and sends: the sender's remaining budget in milliseconds. */
    public static final String HEADER = "X-Enclave-Timeout-Ms";

    public static Deadline in(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos(), budget);
    }

    /** Time left; at least 1 ms, as the timers it is given to refuse zero (a spent deadline fires at once). */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(1_000_000, atNanos - System.nanoTime()));
    }

    /** The earlier of this deadline and one {@code budget} from now (the connection check's own budget). */
    public Deadline atMost(Duration budget) {
        Deadline other = in(budget);
        return other.atNanos - atNanos < 0 ? other : this;
    }

    /** What the next hop is given: the time left less {@code margin}, at least 1 ms. */
    public long forNextHopMillis(Duration margin) {
        return Math.max(1, Duration.ofNanos(atNanos - System.nanoTime()).minus(margin).toMillis());
    }

    /**
     * What the next hop is given, measured now (call it at send time, after the bulkhead admitted
     * the call): the time left less {@link #margin margin(left)}, at least 1 ms.
     */
    public long forNextHopMillis(Duration floor, double ratio, Duration cap) {
        Duration left = Duration.ofNanos(atNanos - System.nanoTime());
        return Math.max(1, left.minus(margin(left, floor, ratio, cap)).toMillis());
    }

    /**
     * The margin kept back from the next hop so that its timeout answer (and this hop's) arrives
     * in time: {@code ratio} of the time left, at least {@code floor} and at most {@code cap} (a
     * floor above the cap wins). A fixed 250 ms is too little once a loaded machine's queues add
     * up over a long budget; a share of it keeps nesting deadlines apart under load.
     */
    public static Duration margin(Duration left, Duration floor, double ratio, Duration cap) {
        long share = left.isNegative() ? 0 : (long) (left.toNanos() * ratio);
        long nanos = Math.min(Math.max(share, 0), cap.toNanos());
        return Duration.ofNanos(Math.max(nanos, floor.toNanos()));
    }
}
