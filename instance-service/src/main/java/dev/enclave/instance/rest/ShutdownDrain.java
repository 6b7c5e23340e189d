package dev.enclave.instance.rest;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;

/**
 * Graceful shutdown refuses new requests. On SIGTERM Quarkus turns readiness DOWN and waits
 * {@code quarkus.shutdown.delay} so that load balancers stop routing here; Quarkus itself (3.33)
 * then only adds {@code Connection: close} to what it keeps serving. So: requests that arrive
 * during the delay are still served (a load balancer may route here for a moment yet), requests
 * that arrive after it get a 503 in GitLab's error shape with {@code Connection: close}, and
 * requests already in flight (streams included) go on until {@code quarkus.shutdown.timeout}.
 * Health endpoints keep answering (readiness says DOWN, liveness UP).
 * <p>
 * The check is the first handler of the main router, ahead of authentication and of the REST
 * layer: a refused request costs no token lookup and no database access.
 */
@ApplicationScoped
public class ShutdownDrain {

    private static final Logger LOG = Logger.getLogger(ShutdownDrain.class);
    static final String BODY = "{\"message\":\"503 Service Unavailable - instance-service is shutting down\"}";

    private final Duration delay;
    private final String healthPrefix;
    /** System.nanoTime() from which new requests are refused; 0 = not shutting down. */
    private volatile long refuseFromNanos;
    private volatile boolean draining;

    ShutdownDrain(@ConfigProperty(name = "quarkus.shutdown.delay") Optional<Duration> delay,
                  @ConfigProperty(name = "quarkus.http.non-application-root-path", defaultValue = "q")
                  String nonApplicationRoot) {
        this.delay = delay.orElse(Duration.ZERO);
        String root = nonApplicationRoot.startsWith("/") ? nonApplicationRoot : "/" + nonApplicationRoot;
        this.healthPrefix = (root.endsWith("/") ? root : root + "/") + "health";
    }

    void onShutdownDelay(@Observes ShutdownDelayInitiatedEvent event) {
        refuseFromNanos = System.nanoTime() + delay.toNanos();
        draining = true;
        LOG.infof("Shutting down: serving new requests for %d ms more (readiness is DOWN), then refusing them",
                delay.toMillis());
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::handle);
    }

    /** True once the shutdown delay has elapsed: new requests are refused. */
    public boolean refusing() {
        return draining && System.nanoTime() - refuseFromNanos >= 0;
    }

    private void handle(RoutingContext context) {
        if (!refusing() || context.normalizedPath().startsWith(healthPrefix)) {
            context.next();
            return;
        }
        context.response().setStatusCode(503)
                .putHeader("Connection", "close")
                .putHeader("Content-Type", "application/json")
                .putHeader(ApiExceptionMapper.ERROR_ORIGIN, "monolith")
                .end(BODY);
    }
}
