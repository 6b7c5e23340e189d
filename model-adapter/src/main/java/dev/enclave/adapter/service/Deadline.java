package dev.enclave.adapter.service;

import java.time.Duration;

/**
 * When a model call must be over: the caller's budget ({@code X-Enclave-Timeout-Ms} or the body's
 * {@code timeout_ms}, the smaller), counted from the request's arrival, less this adapter's margin,
 * and never longer than the read timeout. Monotonic ({@link System#nanoTime()}), so wall-clock
 * changes do not move it.
 *
 * @param atNanos the {@link System#nanoTime()} at which the call must be over
 * @param budget  the time the model server was given, for messages ("did not answer within 1.20 s")
 */
public record Deadline(long atNanos, Duration budget) {

    /**
     * @param arrivalNanos the request's arrival ({@link System#nanoTime()})
     * @param headerMillis {@code X-Enclave-Timeout-Ms}, or null
     * @param bodyMillis   {@code timeout_ms}, or null
     * @param readTimeout  the cap, and the budget when the caller named none
     * @param margin       taken off a caller's budget, so that the adapter answers before its caller gives up
     */
    public static Deadline of(long arrivalNanos, Long headerMillis, Integer bodyMillis, Duration readTimeout,
                              Duration margin) {
        return of(arrivalNanos, headerMillis, bodyMillis, readTimeout, margin, 0, margin);
    }

    /**
     * As {@link #of(long, Long, Integer, Duration, Duration)}, with a margin that grows with the
     * caller's budget: {@code max(margin, min(marginMax, ratio × budget))}.
     */
    public static Deadline of(long arrivalNanos, Long headerMillis, Integer bodyMillis, Duration readTimeout,
                              Duration margin, double ratio, Duration marginMax) {
        Long caller = headerMillis;
        if (bodyMillis != null && (caller == null || bodyMillis < caller)) {
            caller = bodyMillis.longValue();
        }
        Duration budget = readTimeout;
        if (caller != null) {
            Duration scaled = Duration.ofMillis((long) (caller * ratio));
            Duration effective = scaled.compareTo(marginMax) > 0 ? marginMax : scaled;
            if (effective.compareTo(margin) < 0) {
                effective = margin;
            }
            Duration asked = Duration.ofMillis(caller).minus(effective);
            if (asked.compareTo(budget) < 0) {
                budget = asked.isNegative() ? Duration.ZERO : asked;
            }
        }
        return new Deadline(arrivalNanos + budget.toNanos(), budget);
    }

    /** The read timeout from now: for calls made without a request (tests, tools). */
    public static Deadline after(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos(), budget);
    }

    /** Time left; zero or negative once it passed. */
    public Duration remaining() {
        return Duration.ofNanos(atNanos - System.nanoTime());
    }
}
