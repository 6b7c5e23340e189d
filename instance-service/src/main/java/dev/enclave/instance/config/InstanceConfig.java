package dev.enclave.instance.config;

import io.smallrye.config.ConfigMapping;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "enclave.instance")
public interface InstanceConfig {

    /** The suite's public base URL: issuer of tokens, audience of OAuth access tokens. */
    String publicUrl();

    /** How often the list of revoked OAuth access tokens is fetched from token-service. */
    Duration revocationPollInterval();

    /** Sent to the AI gateway as {@code X-Gitlab-Host-Name}. */
    String hostName();

    String version();

    String tokenServiceUrl();

    /** This instance's client at token-service. */
    String clientId();

    String clientSecret();

    /** A cached AI token is renewed once it has less than this left. */
    Duration aiTokenRenewBefore();

    /** The self-hosted AI gateway. */
    String aiGatewayUrl();

    /** The cloud AI gateway for {@code vendored} features; absent means they are unavailable. */
    Optional<String> cloudGatewayUrl();

    /** How long a gateway call may take in all. */
    Duration gatewayTimeout();

    /** Settings and feature routing are re-read at least this often. */
    Duration settingsCacheTtl();

    /**
     * How long a resolved personal access token is kept in memory. A token revoked (or its owner
     * blocked) through this replica stops working at once; on other replicas within this bound.
     * Zero turns the cache off.
     */
    Duration patCacheTtl();

    /** Upper bound on cached personal access tokens (entries beyond it are simply not cached). */
    int patCacheMaxSize();

    /** Connections kept per AI gateway (origin) by the non-blocking HTTP client. */
    int gatewayMaxConnections();

    /** GitLab's per-user throttles on the AI endpoints (GitLab's values by default). */
    RateLimits rateLimits();

    interface RateLimits {
        /** {@code POST /code_suggestions/completions}. */
        Limit codeSuggestions();

        /** {@code POST /code_suggestions/direct_access}. */
        Limit directAccess();

        /** {@code POST /chat/completions}. */
        Limit chat();
    }

    interface Limit {
        /** Requests allowed per user in one window. */
        int requests();

        /** The window, starting at the user's first request in it. */
        Duration per();
    }

    Egress egress();

    interface Egress {
        /** Allowed CIDRs for model endpoints until an admin sets the instance-wide list. */
        Optional<List<String>> defaultAllowedCidrs();
    }

    Optional<String> masterKey();

    /** Master keys of before a rotation (base64), still read until every secret is re-encrypted. */
    Optional<List<String>> previousMasterKeys();

    Path masterKeyFile();

    boolean generateMasterKey();

    Seed seed();

    interface Seed {
        boolean enabled();

        Path tokenFile();

        String modelEndpoint();

        String modelIdentifier();

        String modelFamily();

        Optional<String> modelApiKey();
    }
}
