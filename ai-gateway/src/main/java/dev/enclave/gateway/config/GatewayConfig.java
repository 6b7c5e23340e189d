package dev.enclave.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "enclave.gateway")
public interface GatewayConfig {

    String tokenServiceUrl();

    int completionMaxTokens();

    int generationMaxTokens();

    double temperature();

    /** A request's budget when its caller sent no {@code X-Enclave-Timeout-Ms}. */
    @WithDefault("PT60S")
    Duration defaultTimeout();

    /** The most a caller's {@code X-Enclave-Timeout-Ms} is honoured for (chat budgets go up to 600 s). */
    @WithDefault("PT600S")
    Duration maxTimeout();

    /**
     * The gateway's own model, for requests that name none: a cloud gateway serving vendored
     * features answers with its own models, as GitLab's does. Unset (the default), such requests
     * are refused with 422.
     */
    Optional<OwnModel> ownModel();

    interface OwnModel {
        String endpoint();

        /** litellm-style, e.g. {@code custom_openai/codestral-22b}. */
        String identifier();

        /** Model family, for the prompt. */
        String family();

        Optional<String> apiKey();
    }
}
