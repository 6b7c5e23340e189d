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

    /**
     * OAuth access tokens are refused (503) while the revocation list is older than this (or was
     * never fetched): a token revoked meanwhile would otherwise keep working. Longer than the poll
     * interval; personal access tokens are not affected.
     */
    Duration revocationMaxStaleness();

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

    /**
     * The model the cloud gateway serves code suggestions with (an Enclave gateway's
     * {@code enclave.gateway.own-model.*}), told to editors as direct access's {@code model_details};
     * unset: {@code model_details} is not sent, as GitLab omits it when empty.
     */
    CloudModel cloudModel();

    interface CloudModel {
        /** GitLab's {@code model_provider} (e.g. {@code litellm}, {@code fireworks_ai}). */
        Optional<String> provider();

        /** GitLab's {@code model_name}: the model family (e.g. {@code codestral}). */
        Optional<String> name();
    }

    /**
     * The budget of a code suggestion request, streaming included (GitLab's 55 s); chat's budget is
     * the AI settings' {@code ai_gateway_timeout_seconds}.
     */
    Duration gatewayTimeout();

    /** Fault tolerance of the calls to the AI gateways (per gateway origin). */
    Gateway gateway();

    interface Gateway {
        /**
         * Subtracted from the remaining budget in {@code X-Enclave-Timeout-Ms}, so that the gateway
         * gives up first and its answer still reaches us in time.
         */
        Duration deadlineMargin();

        /**
         * The margin grows with the remaining budget: {@code max(deadline-margin, ratio × remaining)},
         * the proportional part capped at {@link #deadlineMarginMax()}. Under load the time lost to
         * queueing grows with the budget too; a fixed 250 ms margin is eaten by it on a busy machine.
         */
        @io.smallrye.config.WithDefault("0.1")
        double deadlineMarginRatio();

        /** Cap of the proportional part of the margin (the floor, deadline-margin, always holds). */
        @io.smallrye.config.WithDefault("2s")
        Duration deadlineMarginMax();

        /** At most this many gateway origins keep a circuit breaker and bulkhead (least recently used dropped). */
        int maxGuards();

        GatewayCircuitBreaker circuitBreaker();

        GatewayBulkhead bulkhead();
    }

    interface GatewayCircuitBreaker {
        /** Calls in the rolling window the failure ratio is computed over. */
        int requestVolumeThreshold();

        double failureRatio();

        /** How long the breaker stays open before a probe call is let through. */
        Duration delay();

        /** Successful probes needed to close it again. */
        int successThreshold();
    }

    interface GatewayBulkhead {
        /** Concurrent calls (streams included, until they end) per gateway origin. */
        int limit();

        /** Calls waiting for a free slot; beyond that a call is refused at once (503). */
        int queueSize();
    }

    /** The HTTP client to token-service (internal API and the forwarded OAuth paths). */
    TokenService tokenService();

    interface TokenService {
        Duration connectTimeout();

        /** Per request: the answer must be complete within this. */
        Duration requestTimeout();
    }

    /**
     * Self-issued AI tokens. The {@code mint.*} values are applied to the fault tolerance
     * annotations of {@code TokenServiceClient.mintAiToken} (retry, circuit breaker) and
     * {@code AiTokenCache.mint} (timeout) through {@code quarkus.fault-tolerance.*} in
     * application.properties.
     */
    AiToken aiToken();

    interface AiToken {
        /** How often cached tokens are checked for entering their renewal window (renewed in the background). */
        Duration renewCheckInterval();

        Mint mint();
    }

    interface Mint {
        /** The whole mint, retries included. */
        long timeoutMs();

        MintRetry retry();

        MintCircuitBreaker circuitBreaker();
    }

    interface MintRetry {
        int maxRetries();

        long delayMs();

        long jitterMs();

        int factor();

        long maxDelayMs();

        long maxDurationMs();
    }

    interface MintCircuitBreaker {
        int requestVolumeThreshold();

        double failureRatio();

        long delayMs();

        int successThreshold();
    }

    /** The revocation-list poll: retries within one poll before keeping the last list. */
    Poll revocationPoll();

    interface Poll {
        int maxRetries();

        Duration retryDelay();

        Duration maxRetryDelay();
    }

    /** token-service's feed of composite token creations, turned into {@code composite_oauth_token_created} audit events. */
    CompositeTokenEvents compositeTokenEvents();

    interface CompositeTokenEvents {
        /** A duration ({@code 5s}), or {@code off}: then only reads of the audit log and mints catch up. */
        String pollInterval();

        /** Events asked for per request (token-service answers at most 1000). */
        int pageSize();

        /** Pages read per catch-up at most; the next one goes on from there. */
        int maxPages();
    }

    /** After a failed re-read of the AI settings, the last good settings are kept and re-reading backs off. */
    SettingsRetry settingsRetry();

    interface SettingsRetry {
        Duration initialBackoff();

        Duration maxBackoff();
    }

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

    /**
     * Redis the replicas share ({@code redis://host:6379}, {@code rediss://…} for TLS, a password as
     * {@code redis://:password@host:6379}): the rate-limit windows (SharedRateLimits) and the news of
     * revoked tokens (ReplicaEvictions). Unset: each replica counts alone, in memory, and learns of a
     * revocation through another replica within {@code pat-cache-ttl}.
     */
    Optional<String> redisUrl();

    /**
     * How long a request waits for Redis. Beyond it, or while Redis cannot be reached, this replica
     * counts rate limits alone (in memory) and the log says so once.
     */
    Duration redisTimeout();

    /** AI usage records (UsageRecorder, {@code GET /api/v4/admin/ai/usage}). */
    Usage usage();

    interface Usage {
        /** Off: nothing is recorded (what was recorded stays readable until the retention ends). */
        boolean enabled();

        /** How often queued records are written. */
        Duration flushInterval();

        /** Records written in one transaction and one round trip. */
        int batchSize();

        /** Records queued at most; beyond it (the database too slow or down for long) new ones are dropped. */
        int bufferSize();

        /** Records older than this are deleted. */
        Duration retention();

        /** How often expired records are deleted. */
        Duration purgeInterval();
    }

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
