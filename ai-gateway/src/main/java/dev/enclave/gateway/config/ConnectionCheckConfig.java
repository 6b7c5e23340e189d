package dev.enclave.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "enclave.gateway.connection-check")
public interface ConnectionCheckConfig {

    /** The whole budget of a model configuration check, as GitLab gives it: the instance waits 3 s. */
    @WithDefault("PT3S")
    Duration timeout();
}
