package dev.enclave.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The fault-tolerance policy of the gateway's calls to model-adapter (README, "Fault tolerance"). */
@ConfigMapping(prefix = "enclave.gateway.adapter")
public interface AdapterPolicyConfig {

    /**
     * The least taken off the time left before it is handed to model-adapter, so its timeout answer
     * arrives in time. The margin is max(this, {@link #timeoutMarginRatio()} × time left), capped by
     * {@link #timeoutMarginMax()}.
     */
    @WithDefault("PT0.25S")
    Duration timeoutMargin();

    /** Share of the time left kept back as margin (so that deadlines still nest under load). */
    @WithDefault("0.1")
    double timeoutMarginRatio();

    /** The most the margin grows to with the ratio (the floor wins if it is larger). */
    @WithDefault("PT2S")
    Duration timeoutMarginMax();

    CircuitBreaker circuitBreaker();

    Bulkhead bulkhead();

    interface CircuitBreaker {
        /** The rolling window: the breaker decides over the last this many calls. */
        @WithDefault("20")
        int requestVolumeThreshold();

        /** Share of failures in the window that opens the breaker. */
        @WithDefault("0.5")
        double failureRatio();

        /** How long an open breaker refuses calls before it lets a probe through. */
        @WithDefault("PT5S")
        Duration delay();

        /** Successful probes that close a half-open breaker. */
        @WithDefault("1")
        int successThreshold();
    }

    interface Bulkhead {
        /** model-adapter calls (a stream counts until it ends) in flight at once. */
        @WithDefault("256")
        int limit();

        /** Calls that may wait for a free slot (within their deadline); past that, 503 at once. At least 1. */
        @WithDefault("16")
        int queueSize();
    }
}
