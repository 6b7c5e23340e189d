package dev.enclave.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How the gateway retries loading token-service's verification keys until it has them. */
@ConfigMapping(prefix = "enclave.gateway.keys")
public interface KeysConfig {

    /** Wait after the first failed attempt; doubled after each further one. */
    @WithDefault("PT1S")
    Duration initialBackoff();

    @WithDefault("PT30S")
    Duration maxBackoff();
}
