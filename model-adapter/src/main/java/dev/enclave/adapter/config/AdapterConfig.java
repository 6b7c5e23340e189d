package dev.enclave.adapter.config;

import io.smallrye.config.ConfigMapping;

import java.time.Duration;

@ConfigMapping(prefix = "enclave.adapter")
public interface AdapterConfig {

    /** Time to open a connection to a model server. */
    Duration connectTimeout();

    /** Time a model server has to answer completely. */
    Duration readTimeout();
}
