package dev.enclave.gateway.rest;

import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.config.GatewayConfig;
import io.smallrye.common.vertx.ContextLocals;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.time.Duration;

/**
 * Fixes each request's deadline on arrival (before authentication, whose key fetches count against
 * it): {@code X-Enclave-Timeout-Ms} capped by {@code enclave.gateway.max-timeout}, or
 * {@code enclave.gateway.default-timeout} when the caller sent none. Kept in the request's Vert.x
 * context, where the resource methods read it.
 */
public class DeadlineFilter {

    private static final Logger LOG = Logger.getLogger(DeadlineFilter.class);
    private static final String KEY = "enclave.deadline";

    private final Duration defaultBudget;
    private final Duration maxBudget;

    public DeadlineFilter(GatewayConfig config) {
        this.defaultBudget = config.defaultTimeout();
        this.maxBudget = config.maxTimeout();
    }

    @ServerRequestFilter(preMatching = true)
    public void fix(ContainerRequestContext request) {
        ContextLocals.put(KEY, Deadline.in(budget(request.getHeaderString(Deadline.HEADER))));
    }

    private Duration budget(String header) {
        if (header == null || header.isBlank()) {
            return defaultBudget;
        }
        try {
            long millis = Long.parseLong(header.strip());
            // a spent budget still gets a moment, so that the answer is the gateway's timeout, not a race
            Duration budget = Duration.ofMillis(Math.max(1, millis));
            return budget.compareTo(maxBudget) > 0 ? maxBudget : budget;
        } catch (NumberFormatException e) {
            LOG.debugf("Ignoring %s: %s is not a number of milliseconds", Deadline.HEADER, header);
            return defaultBudget;
        }
    }

    /** The current request's deadline; outside a request (never on the model paths), the default budget from now. */
    public static Deadline current(Duration fallback) {
        return ContextLocals.<Deadline>get(KEY).orElseGet(() -> Deadline.in(fallback));
    }
}
