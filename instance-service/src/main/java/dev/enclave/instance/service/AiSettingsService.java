package dev.enclave.instance.service;

import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.domain.AiSettings;
import dev.enclave.instance.domain.FeatureSetting;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.rest.FieldLimits;
import dev.enclave.instance.security.Actor;
import dev.enclave.instance.security.ModelEndpointAllowlist;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The AI settings in force: what the admin stored, over the configured defaults. Every replica
 * re-reads them at least every {@code settings-cache-ttl}, so a change takes effect within that
 * bound without a restart. A re-read that fails (the database unavailable) keeps the last good
 * settings and backs off before reading again ({@code settings-retry.*}, doubling); their age shows
 * in the readiness check and the change between working and failing is logged once.
 */
@ApplicationScoped
public class AiSettingsService {

    public static final int MIN_TIMEOUT = 60;
    public static final int MAX_TIMEOUT = 600;

    public record Effective(String aiGatewayUrl, Optional<String> cloudGatewayUrl, Duration gatewayTimeout,
                            boolean verboseAiLogs, boolean directAccessEnabled, boolean offlineMode,
                            List<String> egressAllowedCidrs) {

        public ModelEndpointAllowlist allowlist() {
            return new ModelEndpointAllowlist(egressAllowedCidrs, InetAddress::getAllByName);
        }
    }

    /** Fields left null are unchanged; an empty string clears a URL (back to the default); an empty CIDR list allows nothing. */
    public record Update(String aiGatewayUrl, String cloudGatewayUrl, Integer gatewayTimeoutSeconds,
                         Boolean verboseAiLogs, Boolean directAccessEnabled, Boolean offlineMode,
                         List<String> egressAllowedCidrs) {
    }

    /** Settings as read from the database at {@code readAt}. */
    public record Cached(Effective settings, Instant readAt) {
    }

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(AiSettingsService.class);

    private final InstanceConfig config;
    private final AuditLog audit;
    private final Clock clock;
    private volatile Cached cached;
    /** The last settings read successfully (kept when a re-read fails; invalidation does not drop it). */
    private volatile Cached lastGood;
    /** While re-reads fail: no new attempt before this, and the current backoff. */
    private volatile Instant retryAt;
    private volatile Duration backoff;
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

    public AiSettingsService(InstanceConfig config, AuditLog audit, Clock clock) {
        this.config = config;
        this.audit = audit;
        this.clock = clock;
    }

    public Effective current() {
        return snapshot().settings();
    }

    /**
     * The settings in force with the time they were read: a cache built on them (the feature
     * routes) must expire with them, or a change would take up to two TTLs to arrive.
     */
    public Cached snapshot() {
        Cached snapshot = cached;
        Instant now = clock.instant();
        if (snapshot == null || !now.isBefore(snapshot.readAt().plus(config.settingsCacheTtl()))) {
            Cached good = lastGood;
            Instant wait = retryAt;
            if (good != null && wait != null && now.isBefore(wait)) {
                return good;
            }
            try {
                snapshot = new Cached(QuarkusTransaction.joiningExisting().call(() -> effective(AiSettings.current())), now);
            } catch (ApiException e) {
                throw e;
            } catch (RuntimeException e) {
                if (good == null) {
                    throw e;
                }
                Duration next = backoff == null ? config.settingsRetry().initialBackoff()
                        : min(backoff.multipliedBy(2), config.settingsRetry().maxBackoff());
                if (backoff == null) {
                    LOG.warnf("Reading the AI settings failed (%s); keeping those read at %s", e.getMessage(),
                            good.readAt());
                }
                backoff = next;
                retryAt = now.plus(next);
                return good;
            }
            if (backoff != null) {
                LOG.infof("Reading the AI settings works again");
                backoff = null;
                retryAt = null;
            }
            cached = snapshot;
            lastGood = snapshot;
        }
        return snapshot;
    }

    /** When the settings in use were read (empty before the first read). */
    public java.util.Optional<Instant> lastRead() {
        Cached good = lastGood;
        return good == null ? java.util.Optional.empty() : java.util.Optional.of(good.readAt());
    }

    /** True while re-reads fail and the last good settings are in use. */
    public boolean stale() {
        return backoff != null;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Drops this replica's caches at once (the others follow within the TTL). */
    public void invalidate() {
        cached = null;
        generation.incrementAndGet();
    }

    /** Changes whenever this replica's settings or routing changed; caches built on them compare it. */
    public long generation() {
        return generation.get();
    }

    public Duration cacheTtl() {
        return config.settingsCacheTtl();
    }

    private Effective effective(AiSettings stored) {
        List<String> cidrs = stored.egressAllowedCidrs == null
                ? config.egress().defaultAllowedCidrs().orElse(List.of())
                : split(stored.egressAllowedCidrs);
        return new Effective(stored.aiGatewayUrl == null ? config.aiGatewayUrl() : stored.aiGatewayUrl,
                Optional.ofNullable(stored.cloudGatewayUrl).or(config::cloudGatewayUrl),
                Duration.ofSeconds(stored.gatewayTimeoutSeconds), stored.verboseAiLogs, stored.directAccessEnabled,
                stored.offlineMode, cidrs);
    }

    @Transactional
    public Effective update(Actor admin, Update update) {
        AiSettings stored = AiSettings.findById(AiSettings.SINGLETON_ID, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
        if (update.aiGatewayUrl() != null) {
            stored.aiGatewayUrl = url(update.aiGatewayUrl(), "ai_gateway_url");
        }
        if (update.cloudGatewayUrl() != null) {
            stored.cloudGatewayUrl = url(update.cloudGatewayUrl(), "cloud_gateway_url");
        }
        if (update.gatewayTimeoutSeconds() != null) {
            int timeout = update.gatewayTimeoutSeconds();
            if (timeout < MIN_TIMEOUT || timeout > MAX_TIMEOUT) {
                throw ApiException.badRequest("ai_gateway_timeout_seconds must be between " + MIN_TIMEOUT + " and "
                        + MAX_TIMEOUT);
            }
            stored.gatewayTimeoutSeconds = timeout;
        }
        if (update.verboseAiLogs() != null) {
            stored.verboseAiLogs = update.verboseAiLogs();
        }
        if (update.directAccessEnabled() != null) {
            stored.directAccessEnabled = update.directAccessEnabled();
        }
        if (update.offlineMode() != null) {
            stored.offlineMode = update.offlineMode();
        }
        if (update.egressAllowedCidrs() != null) {
            try {
                ModelEndpointAllowlist.parseAll(update.egressAllowedCidrs());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("egress_allowed_cidrs: " + e.getMessage());
            }
            stored.egressAllowedCidrs = FieldLimits.require(String.join(",", update.egressAllowedCidrs().stream()
                    .map(String::trim).filter(s -> !s.isEmpty()).toList()), "egress_allowed_cidrs (joined with commas)",
                    FieldLimits.EGRESS_CIDRS);
        }
        stored.updatedAt = clock.instant();
        long vendored = FeatureSetting.count("provider", FeatureSetting.VENDORED);
        audit.record("ai_settings_updated", admin, "AiSettings", stored.id,
                "offline_mode=" + stored.offlineMode + " direct_access=" + stored.directAccessEnabled
                        + (stored.offlineMode && vendored > 0 ? " vendored_features_now_disabled=" + vendored : ""));
        invalidate();
        return effective(stored);
    }

    private static String url(String value, String field) {
        if (value.isBlank()) {
            return null;
        }
        FieldLimits.require(value.trim(), field, FieldLimits.URL);
        try {
            URI uri = URI.create(value.trim());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return value.trim();
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw ApiException.badRequest(field + " must be an absolute http or https URL");
    }

    private static List<String> split(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
