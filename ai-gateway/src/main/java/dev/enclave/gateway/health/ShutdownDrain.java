package dev.enclave.gateway.health;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;

/**
 * Graceful shutdown refuses new requests. On SIGTERM Quarkus fires {@link ShutdownDelayInitiatedEvent}
 * and waits {@code quarkus.shutdown.delay} (readiness is DOWN meanwhile, see {@link GatewayReadiness});
 * Quarkus 3.33's own graceful-shutdown filter then only adds {@code Connection: close} and still
 * serves new requests. Here, requests arriving after that delay (load balancers keep routing for
 * a moment after readiness went down, so those within it are served) get 503
 * {@code {"detail":"ai-gateway is shutting down"}} with {@code Connection: close}, before
 * authentication or any work. Health and monitoring endpoints keep answering. In-flight requests
 * and streams are not touched: they have until {@code quarkus.shutdown.timeout}.
 */
@ApplicationScoped
public class ShutdownDrain {

    private static final Logger LOG = Logger.getLogger(ShutdownDrain.class);
    static final String DETAIL = "{\"detail\":\"ai-gateway is shutting down\"}";
    /** Before the route filters that count requests and before authentication (which runs later, in Quarkus REST). */
    private static final int PRIORITY = 200;

    private final Duration delay;
    /** {@link System#nanoTime()} from which new requests are refused; null while not shutting down. */
    private volatile Long refuseFromNanos;

    public ShutdownDrain(@ConfigProperty(name = "quarkus.shutdown.delay-enabled", defaultValue = "false") boolean delayEnabled,
                         @ConfigProperty(name = "quarkus.shutdown.delay") Optional<String> delay) {
        this.delay = delayEnabled ? delay.map(DurationConverter::parseDuration).orElse(Duration.ZERO) : Duration.ZERO;
    }

    void onShutdownDelay(@Observes ShutdownDelayInitiatedEvent event) {
        refuseFromNanos = System.nanoTime() + delay.toNanos();
        LOG.infof("Shutting down: new requests are refused (503) from %d ms on", delay.toMillis());
    }

    /** True once the shutdown delay has passed: new (non-health) requests are refused. */
    public boolean refusing() {
        Long from = refuseFromNanos;
        return from != null && System.nanoTime() - from >= 0;
    }

    void register(@Observes Filters filters) {
        filters.register(context -> {
            if (refusing() && !exempt(context.normalizedPath())) {
                context.response().setStatusCode(503)
                        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
                        .end(DETAIL);
                return;
            }
            context.next();
        }, PRIORITY);
    }

    /** Probes and monitoring keep answering while the gateway drains (they report it as not ready). */
    static boolean exempt(String path) {
        return path != null && (path.startsWith("/q/") || path.startsWith("/monitoring/"));
    }
}
