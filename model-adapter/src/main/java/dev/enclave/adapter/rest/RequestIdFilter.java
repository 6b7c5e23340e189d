package dev.enclave.adapter.rest;

import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.util.UUID;
import java.util.regex.Pattern;

/** Carries {@code X-Request-ID} into every log line of a request and on to the next hop. */
public class RequestIdFilter {

    public static final String HEADER = "X-Request-ID";
    /** Routing-context key of the request's arrival ({@link System#nanoTime()}): the caller's budget counts from it. */
    public static final String ARRIVAL = "enclave.arrival-nanos";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    @ServerRequestFilter(preMatching = true)
    public void assign(ContainerRequestContext request, RoutingContext routing) {
        // before the caller check and token verification, which spend the caller's budget too
        routing.put(ARRIVAL, System.nanoTime());
        String id = request.getHeaderString(HEADER);
        if (id == null || !SAFE.matcher(id).matches()) {
            id = UUID.randomUUID().toString();
        }
        MDC.put("requestId", id);
        request.setProperty("requestId", id);
    }

    @ServerResponseFilter
    public void echo(ContainerRequestContext request, ContainerResponseContext response) {
        Object id = request.getProperty("requestId");
        if (id != null) {
            response.getHeaders().putSingle(HEADER, id);
        }
        MDC.remove("requestId");
    }
}
