package dev.enclave.adapter.config;

import dev.enclave.adapter.egress.ModelEndpointAllowlist.Cidr;
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

    /** Time a model server has to answer completely (a streamed answer: to finish its stream). */
    Duration readTimeout();

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

    interface Bedrock {

        /** AWS region for Bedrock models whose endpoint is empty or does not name one. */
        Optional<String> region();
    }
}
