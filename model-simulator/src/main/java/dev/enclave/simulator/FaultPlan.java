package dev.enclave.simulator;

import java.util.OptionalInt;

/**
 * Failures to inject into upcoming model requests ({@code POST /v1/completions} and
 * {@code POST /v1/chat/completions} that passed authentication).
 *
 * <p>Each setter replaces the pending count of its kind. When several kinds are pending, a request
 * is dropped before it is failed; mid-stream drops only ever consume streaming requests that were
 * neither dropped nor failed and passed validation.
 */
public final class FaultPlan {

    private int failuresLeft;
    private int failureStatus;
    private int dropsLeft;
    private int midStreamDropsLeft;

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
    }

    /** The next {@code count} model requests have their connection closed without any response. */
    public synchronized void dropNext(int count) {
        requireCount(count);
        dropsLeft = count;
    }

    /** The next {@code count} streaming requests get two events, then their connection closes mid-response. */
    public synchronized void dropMidStream(int count) {
        requireCount(count);
        midStreamDropsLeft = count;
    }

    public synchronized void clear() {
        failuresLeft = 0;
        dropsLeft = 0;
        midStreamDropsLeft = 0;
    }

    /** Drops or fails the model request being handled when a drop or failure is pending for it. */
    void inject() throws HttpIo.DropConnection, ApiException {
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
        return true;
    }

    synchronized OptionalInt takeFailure() {
        if (failuresLeft == 0) {
            return OptionalInt.empty();
        }
        failuresLeft--;
        return OptionalInt.of(failureStatus);
    }

    synchronized boolean takeMidStreamDrop() {
        if (midStreamDropsLeft == 0) {
            return false;
        }
        midStreamDropsLeft--;
        return true;
    }

    private static void requireCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, got " + count);
        }
    }
}
