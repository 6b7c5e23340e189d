package dev.enclave.adapter.health;

import dev.enclave.adapter.config.AdapterConfig;
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

/**
 * Whether the adapter holds token-service's verification keys: quarkus-oidc's default tenant is
 * initialized (its discovery document and key set fetched). Until then no token can be verified
 * and the adapter is not ready. quarkus-oidc tries once at start-up and then only when a request
 * comes; this keeps trying in the background, waiting {@code enclave.adapter.keys.retry-initial-delay}
 * and twice as long after each failure up to {@code retry-max-delay}, so the adapter becomes ready
 * without traffic. Once fetched, quarkus-oidc keeps the key set and refetches it on an unknown
 * {@code kid} (a rotation); a failed refetch leaves the last good keys in place.
 *
 * <p>Reads quarkus-oidc's {@link TenantConfigBean}, a runtime class rather than an API: it is the
 * only place that tells whether the tenant has its keys.
 */
@ApplicationScoped
public class VerificationKeys {

    private static final Logger LOG = Logger.getLogger(VerificationKeys.class);

    private final TenantConfigBean tenants;
    private final Vertx vertx;
    private final Duration initialDelay;
    private final Duration maxDelay;
    private volatile Instant readySince;
    private volatile Instant lastAttempt;
    private volatile String lastFailure;
    private volatile int failures;
    private volatile boolean stopped;

    public VerificationKeys(TenantConfigBean tenants, Vertx vertx, AdapterConfig config) {
        this.tenants = tenants;
        this.vertx = vertx;
        this.initialDelay = config.keys().retryInitialDelay();
        this.maxDelay = config.keys().retryMaxDelay();
    }

    void onStart(@Observes StartupEvent event) {
        if (!ready()) {
            LOG.warn("token-service's verification keys could not be fetched at start-up: model-adapter is not ready "
                    + "and keeps trying (enclave.adapter.token-service-url)");
            schedule(initialDelay);
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
    }

    /** The keys are held: tokens can be verified. */
    public boolean ready() {
        TenantConfigContext tenant = tenants.getDefaultTenant();
        boolean ready = tenant != null && tenant.ready();
        if (ready && readySince == null) {
            readySince = Instant.now();
        }
        return ready;
    }

    /** When the keys were first seen held; null while they are not. */
    public Instant readySince() {
        return readySince;
    }

    public Instant lastAttempt() {
        return lastAttempt;
    }

    public String lastFailure() {
        return lastFailure;
    }

    private void schedule(Duration delay) {
        if (stopped) {
            return;
        }
        vertx.setTimer(Math.max(1, delay.toMillis()), id -> attempt(delay));
    }

    private void attempt(Duration delay) {
        if (stopped || ready()) {
            return;
        }
        lastAttempt = Instant.now();
        // the same lazy initialization a request would trigger; it fetches discovery and keys without blocking
        tenants.getDefaultTenant().initialize().subscribe().with(tenant -> {
            if (tenant.ready()) {
                LOG.infof("token-service's verification keys fetched after %d failed attempts: model-adapter is ready",
                        failures);
                lastFailure = null;
                ready();
            } else {
                retry(delay, "the OIDC tenant is still not initialized");
            }
        }, failure -> retry(delay, failure.getClass().getSimpleName()
                + (failure.getMessage() == null ? "" : ": " + failure.getMessage())));
    }

    private void retry(Duration delay, String reason) {
        failures++;
        lastFailure = reason;
        Duration next = delay.multipliedBy(2).compareTo(maxDelay) > 0 ? maxDelay : delay.multipliedBy(2);
        LOG.debugf("Fetching token-service's keys failed (%s); next attempt in %d ms", reason, next.toMillis());
        schedule(next);
    }
}
