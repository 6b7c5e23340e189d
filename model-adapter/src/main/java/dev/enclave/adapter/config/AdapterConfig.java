package dev.enclave.adapter.config;

import dev.enclave.support.net.Cidr;
import dev.enclave.support.net.CidrConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithConverter;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "enclave.adapter")
public interface AdapterConfig {

    /** Time to open a connection to a model server. */
    Duration connectTimeout();

    /**
     * Time a model server has to answer completely (a streamed answer: to finish its stream). Also
     * the cap of a caller's deadline ({@code X-Enclave-Timeout-Ms}, {@code timeout_ms}).
     */
    Duration readTimeout();

    /**
     * Taken off the caller's deadline for the model call, so that the adapter times out, and still
     * answers, before its caller gives up.
     */
    @WithDefault("100ms")
    Duration timeoutMargin();

    /**
     * The margin grows with the caller's budget, to this share of it (capped by
     * {@link #timeoutMarginMax()}), never below {@link #timeoutMargin()}: when many calls time out
     * at once on a busy host, answering all of them takes more than a fixed 100 ms.
     */
    @WithDefault("0.1")
    double timeoutMarginRatio();

    @WithDefault("2s")
    Duration timeoutMarginMax();

    /** Fault tolerance of the calls to model servers, per model endpoint. */
    ModelServer modelServer();

    /**
     * OAuth clients whose access tokens may call the API (the token's {@code client_id} claim):
     * ai-gateway's client-credentials client.
     */
    @WithDefault("ai-gateway")
    List<String> allowedClients();

    /**
     * Once the last successful revocation poll is older than this, tokens are refused (503
     * {@code revocation_list_stale}) rather than honoured with a list that may miss revocations.
     */
    @WithDefault("60s")
    Duration revocationMaxStaleness();

    /** Retries of the first fetch of token-service's verification keys, while the adapter is not ready. */
    Keys keys();

    /**
     * The most of a model server's answer held in memory: a whole answer's body, an error body, or
     * one line or frame of a stream. A larger one is a {@code model_server_error}, not an
     * out-of-memory error.
     */
    @WithDefault("4M")
    MemorySize maxAnswerBytes();

    Egress egress();

    Ingress ingress();

    /** token-service: its published keys verify callers' tokens, its revocation list is polled. */
    String tokenServiceUrl();

    /** How often the list of revoked access tokens is fetched from token-service. */
    Duration revocationPollInterval();

    /** This service's client at token-service, which may read the revocation list. */
    VerifierClient verifierClient();

    Bedrock bedrock();

    Vertex vertex();

    /**
     * Name of a {@code quarkus.tls.<name>} configuration whose trust store (and key store, for
     * mutual TLS) is used with https model servers; unset, the JVM's default trust store.
     */
    Optional<String> tlsConfigurationName();

    interface Egress {

        /**
         * The networks model endpoints may resolve to. Unset or empty: none, so every model call is
         * refused until an administrator lists the model servers' networks.
         */
        Optional<List<@WithConverter(CidrConverter.class) Cidr>> allowedCidrs();
    }

    interface Ingress {

        /**
         * The networks callers may connect from (the gateway's pods). Unset or empty: none, so every
         * call is refused until an administrator lists them.
         */
        Optional<List<@WithConverter(CidrConverter.class) Cidr>> trustedCidrs();
    }

    interface VerifierClient {

        String id();

        /**
         * Unset: revocations are not polled, and a revoked token is honoured here until it expires
         * (token-service's {@code enclave.token.oauth.verifier-client.secret} must be the same).
         */
        Optional<String> secret();
    }

    interface ModelServer {

        CircuitBreaker circuitBreaker();

        Bulkhead bulkhead();

        /**
         * Wait before the one retry of a connection the model server refused (nothing was sent yet).
         */
        @WithDefault("100ms")
        Duration connectRetryDelay();

        /**
         * Most model endpoints whose breaker and bulkhead are kept; beyond it the least recently used
         * one without a call in flight is dropped.
         */
        @WithDefault("1000")
        int maxTracked();

        /** An endpoint's breaker and bulkhead unused this long, with no call in flight, are dropped. */
        @WithDefault("30m")
        Duration idleEviction();
    }

    interface CircuitBreaker {

        /** Calls in the rolling window the failure ratio is computed over. */
        @WithDefault("20")
        int requestVolumeThreshold();

        /** Failed share of the window at which the breaker opens. */
        @WithDefault("0.5")
        double failureRatio();

        /** How long an open breaker refuses calls before it lets a probe through. */
        @WithDefault("10s")
        Duration delay();

        /** Successful probes that close a half-open breaker. */
        @WithDefault("1")
        int successThreshold();
    }

    interface Bulkhead {

        /** Calls (streams until they end) in flight to one model endpoint. */
        @WithDefault("64")
        int limit();

        /** Calls waiting for a slot (within their deadline) before further ones are refused. */
        @WithDefault("16")
        int queueSize();
    }

    interface Keys {

        /** First wait before fetching token-service's keys again after a failure. */
        @WithDefault("1s")
        Duration retryInitialDelay();

        /** The wait doubles after each failure, up to this. */
        @WithDefault("30s")
        Duration retryMaxDelay();
    }

    interface Bedrock {

        /** AWS region for Bedrock models whose endpoint is empty or does not name one. */
        Optional<String> region();
    }

    interface Vertex {

        /**
         * A Google access token is exchanged anew this long before it expires (Google's live an
         * hour); until then the cached one is used.
         */
        @WithDefault("5m")
        Duration tokenRefreshMargin();
    }
}
