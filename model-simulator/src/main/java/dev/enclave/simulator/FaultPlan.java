package dev.enclave.simulator;

import java.util.OptionalInt;

/**
 * Failures to inject into upcoming model requests (the personality's inference paths, e.g.
 * {@code POST /v1/completions} and {@code POST /v1/chat/completions} for vLLM, that passed
 * authentication).
 *
 * <p>Each setter replaces the pending count of its kind. When several kinds are pending, a request
 * is dropped before it is failed; mid-stream faults only ever consume streaming requests that were
 * neither dropped nor failed and passed validation, a pending mid-stream drop before a pending
 * mid-stream failure.
 */
public final class FaultPlan {

    /** What happens to a stream after its opening events and first content event. */
    enum MidStreamFault { DROP, FAIL }

    private int failuresLeft;
    private int failureStatus;
    private int dropsLeft;
    private int midStreamDropsLeft;
    private int midStreamFailuresLeft;
    /**
     * Whether any fault is pending. Read without the lock so that the common case (nothing
     * injected) costs model requests one volatile read instead of a monitor.
     */
    private volatile boolean armed;

    FaultPlan() {
    }

    /** The next {@code count} model requests get an error response with this HTTP status (400-599). */
    public synchronized void failNext(int count, int status) {
        requireCount(count);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be between 400 and 599, got " + status);
        }
        failuresLeft = count;
        failureStatus = status;
        rearm();
    }

    /** The next {@code count} model requests have their connection closed without any response. */
    public synchronized void dropNext(int count) {
        requireCount(count);
        dropsLeft = count;
        rearm();
    }

    /**
     * The next {@code count} streaming requests get their opening events and first content event,
     * then their connection closes without the stream's terminating event.
     */
    public synchronized void dropMidStream(int count) {
        requireCount(count);
        midStreamDropsLeft = count;
        rearm();
    }

    /**
     * The next {@code count} streaming requests get their opening events and first content event,
     * then the provider's in-stream error event, and the response ends.
     */
    public synchronized void failMidStream(int count) {
        requireCount(count);
        midStreamFailuresLeft = count;
        rearm();
    }

    public synchronized void clear() {
        failuresLeft = 0;
        dropsLeft = 0;
        midStreamDropsLeft = 0;
        midStreamFailuresLeft = 0;
        rearm();
    }

    /** Drops or fails the model request being handled when a drop or failure is pending for it. */
    void inject() throws HttpIo.DropConnection, ApiException {
        if (!armed) {
            return;
        }
        if (takeDrop()) {
            throw new HttpIo.DropConnection();
        }
        OptionalInt failure = takeFailure();
        if (failure.isPresent()) {
            throw ApiException.injected(failure.getAsInt());
        }
    }

    synchronized boolean takeDrop() {
        if (dropsLeft == 0) {
            return false;
        }
        dropsLeft--;
        rearm();
        return true;
    }

    synchronized OptionalInt takeFailure() {
        if (failuresLeft == 0) {
            return OptionalInt.empty();
        }
        failuresLeft--;
        rearm();
        return OptionalInt.of(failureStatus);
    }

    /** @return the fault the stream about to start must suffer, or null */
    MidStreamFault takeMidStreamFault() {
        if (!armed) {
            return null;
        }
        synchronized (this) {
            MidStreamFault fault = null;
            if (midStreamDropsLeft > 0) {
                midStreamDropsLeft--;
                fault = MidStreamFault.DROP;
            } else if (midStreamFailuresLeft > 0) {
                midStreamFailuresLeft--;
                fault = MidStreamFault.FAIL;
            }
            rearm();
            return fault;
        }
    }

    private void rearm() {
        armed = failuresLeft > 0 || dropsLeft > 0 || midStreamDropsLeft > 0 || midStreamFailuresLeft > 0;
    }

    private static void requireCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, got " + count);
        }
    }
}
