package dev.enclave.gateway.health;

import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.config.KeysConfig;
import io.quarkus.oidc.runtime.TenantConfigBean;
import io.quarkus.oidc.runtime.TenantConfigContext;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether the gateway holds token-service's verification keys, that is whether quarkus-oidc's
 * default tenant has loaded the discovery document and the key set (JWKS). Verification itself
 * stays quarkus-oidc's.
 * <p>
 * When token-service cannot be reached at start, quarkus-oidc leaves the tenant uninitialised and
 * would only try again on a request, which a gateway that is not ready never gets. So until the
 * keys are there, this retries the tenant's initialisation itself, with exponential backoff
 * ({@code enclave.gateway.keys.*}), logging every failure, and keeps the outcome for the health data.
 */
@ApplicationScoped
public class VerificationKeys {

    private static final Logger LOG = Logger.getLogger(VerificationKeys.class);

    private final TenantConfigBean tenants;
    private final Vertx vertx;
    private final KeysConfig config;
    private final String tokenService;
    private final AtomicInteger failedAttempts = new AtomicInteger();
    private volatile Instant loadedAt;
    private volatile Instant lastFailureAt;
    private volatile String lastFailure;
    private volatile boolean stopped;

    public VerificationKeys(TenantConfigBean tenants, Vertx vertx, KeysConfig config, GatewayConfig gateway) {
        this.tenants = tenants;
        this.vertx = vertx;
        this.config = config;
        this.tokenService = gateway.tokenServiceUrl();
    }

    void onStart(@Observes StartupEvent event) {
        if (tenantReady()) {
            loaded();
        } else {
            failed("not loaded at start", config.initialBackoff());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
    }

    /** True once the keys were loaded; quarkus-oidc keeps them (and refetches on an unknown key id) from then on. */
    public boolean held() {
        if (loadedAt == null && tenantReady()) {
            // loaded by a request's own initialisation of the tenant, between two of our attempts
            loaded();
        }
        return loadedAt != null;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    public int failedAttempts() {
        return failedAttempts.get();
    }

    public Instant lastFailureAt() {
        return lastFailureAt;
    }

    /** The kind of the last failure (no addresses or messages: those are in the log). */
    public String lastFailure() {
        return lastFailure;
    }

    private boolean tenantReady() {
        TenantConfigContext tenant = tenants.getDefaultTenant();
        return tenant != null && tenant.ready();
    }

    private synchronized void loaded() {
        if (loadedAt == null) {
            loadedAt = Instant.now();
            LOG.infof("Token verification keys loaded from %s after %d failed attempts", tokenService,
                    failedAttempts.get());
        }
    }

    private void attempt(Duration backoff) {
        if (stopped || held()) {
            return;
        }
        tenants.getDefaultTenant().initialize().subscribe().with(
                tenant -> {
                    if (tenant != null && tenant.ready()) {
                        loaded();
                    } else {
                        failed("token-service's discovery or key set unavailable", next(backoff));
                    }
                },
                failure -> failed(failure.getClass().getSimpleName() + " (" + failure.getMessage() + ")",
                        next(backoff)));
    }

    private Duration next(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(config.maxBackoff()) > 0 ? config.maxBackoff() : doubled;
    }

    private void failed(String reason, Duration retryIn) {
        int attempts = failedAttempts.incrementAndGet();
        lastFailureAt = Instant.now();
        // the health data gets the kind only; the log has the details
        int paren = reason.indexOf(" (");
        lastFailure = paren > 0 ? reason.substring(0, paren) : reason;
        LOG.warnf("No token verification keys from %s yet (attempt %d): %s; not ready, next attempt in %d ms",
                tokenService, attempts, reason, retryIn.toMillis());
        if (!stopped) {
            vertx.setTimer(Math.max(1, retryIn.toMillis()), id -> attempt(retryIn));
        }
    }
}
