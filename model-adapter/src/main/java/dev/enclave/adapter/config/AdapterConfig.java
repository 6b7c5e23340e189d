package dev.enclave.adapter.config;

import dev.enclave.adapter.egress.ModelEndpointAllowlist.Cidr;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "enclave.adapter")
public interface AdapterConfig {

    /** Time to open a connection to a model server. */
    Duration connectTimeout();

    /** Time a model server has to answer completely. */
    Duration readTimeout();

    Egress egress();

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

    interface Bedrock {

        /** AWS region for Bedrock models whose endpoint is empty or does not name one. */
        Optional<String> region();
    }
}
