package dev.enclave.gateway.config;

import io.smallrye.config.ConfigMapping;

@ConfigMapping(prefix = "enclave.gateway")
public interface GatewayConfig {

    String tokenServiceUrl();

    int completionMaxTokens();

    int generationMaxTokens();

    double temperature();
}
