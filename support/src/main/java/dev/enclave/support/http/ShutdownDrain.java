package dev.enclave.support.http;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.configuration.DurationConverter;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Graceful shutdown refuses new requests. On SIGTERM Quarkus fires {@link ShutdownDelayInitiatedEvent},
 * turns readiness DOWN and waits {@code quarkus.shutdown.delay} so that load balancers stop routing
 * here; Quarkus itself (3.33) then only adds {@code Connection: close} to what it keeps serving. So:
 * requests that arrive during the delay are still served (a balancer may route here for a moment
 * yet), requests that arrive after it get a 503 in the service's error shape
 * ({@link ShutdownDrainConfig}) with {@code Connection: close}, and requests already in flight
 * (streams included) go on until {@code quarkus.shutdown.timeout}. Health endpoints (and whatever
 * else {@code enclave.shutdown-drain.open-paths} lists) keep answering.
 * <p>
 * The check is the first handler of the main router, ahead of Quarkus' route filters,
 * authentication and the REST layer: a refused request costs no token verification and no
 * database access. A service without {@code quarkus.shutdown.delay-enabled} never refuses anything.
 */
@ApplicationScoped
public class ShutdownDrain {

    private static final Logger LOG = Logger.getLogger(ShutdownDrain.class);

    private final Duration delay;
    private final String body;
    private final Map<String, String> headers;
    private final List<String> openPaths;
    /** {@link System#nanoTime()} from which new requests are refused; null while not shutting down. */
    private volatile Long refuseFromNanos;

    ShutdownDrain(ShutdownDrainConfig config,
                  @ConfigProperty(name = "quarkus.shutdown.delay-enabled", defaultValue = "false") boolean delayEnabled,
                  @ConfigProperty(name = "quarkus.shutdown.delay") Optional<String> delay,
                  @ConfigProperty(name = "quarkus.application.name", defaultValue = "the service") String application,
                  @ConfigProperty(name = "quarkus.http.non-application-root-path", defaultValue = "q")
                  String nonApplicationRoot) {
        this.delay = delayEnabled ? delay.map(DurationConverter::parseDuration).orElse(Duration.ZERO) : Duration.ZERO;
        this.body = config.body().orElse("{\"message\":\"" + application + " is shutting down\"}");
        this.headers = Map.copyOf(config.headers());
        this.openPaths = config.openPaths().orElseGet(() -> List.of(healthPrefix(nonApplicationRoot)));
    }

    static String healthPrefix(String nonApplicationRoot) {
        String root = nonApplicationRoot.startsWith("/") ? nonApplicationRoot : "/" + nonApplicationRoot;
        return (root.endsWith("/") ? root : root + "/") + "health";
    }

    void onShutdownDelay(@Observes ShutdownDelayInitiatedEvent event) {
        refuseFromNanos = System.nanoTime() + delay.toNanos();
        LOG.infof("Shutting down: serving new requests for %d ms more (readiness is DOWN), then refusing them (503)",
                delay.toMillis());
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::handle);
    }

    /** True once the shutdown delay has passed: new requests are refused. */
    public boolean refusing() {
        Long from = refuseFromNanos;
        return from != null && System.nanoTime() - from >= 0;
    }

    /** Whether the path keeps answering while the service drains. */
    boolean open(String path) {
        return path != null && openPaths.stream().anyMatch(path::startsWith);
    }

    private void handle(RoutingContext context) {
        if (!refusing() || open(context.normalizedPath())) {
            context.next();
            return;
        }
        context.response().setStatusCode(503)
                .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        headers.forEach((name, value) -> context.response().putHeader(name, value));
        context.response().end(body);
    }
}
