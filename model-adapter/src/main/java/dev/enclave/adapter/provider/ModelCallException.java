package dev.enclave.adapter.provider;

/** A model call that did not produce an answer, with who is to blame. */
public class ModelCallException extends RuntimeException {

    public enum Kind {
        /** The model server answered with an error status. */
        MODEL_SERVER_ERROR,
        /** No connection could be made, or it broke before an answer. */
        UNREACHABLE,
        /** The model server did not answer within the read timeout. */
        TIMEOUT,
        /** The request cannot be sent as it is (bad endpoint, unsupported provider). */
        INVALID_REQUEST,
        /** The endpoint resolves (or redirects) outside the networks model calls may reach. */
        EGRESS_DENIED,
        /** Not sent: this model endpoint's circuit breaker is open after repeated failures. */
        CIRCUIT_OPEN,
        /** Not sent: too many calls are in flight to this model endpoint (its bulkhead is full). */
        BUSY
    }

    private final Kind kind;
    private final Integer modelStatus;
    /** For {@code CIRCUIT_OPEN}: seconds until the breaker lets a call through again; else null. */
    private final Long retryAfterSeconds;

    public ModelCallException(Kind kind, Integer modelStatus, String message) {
        this(kind, modelStatus, message, null);
    }

    public ModelCallException(Kind kind, Integer modelStatus, String message, Long retryAfterSeconds) {
        super(message);
        this.kind = kind;
        this.modelStatus = modelStatus;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public Kind kind() {
        return kind;
    }

    public Integer modelStatus() {
        return modelStatus;
    }
}
