package dev.enclave.support.http;

import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.logging.MDC;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Carries {@code X-Request-ID} into every log line of a request and on to the next hop, in every
 * service (Quarkus finds this filter in the support jar's bean index). A caller's id is kept when
 * it is short and plain (it ends up in logs and headers); otherwise a new one is made. On the event
 * loop the MDC lives in the request's Vert.x context; code that logs from a stream's callbacks sets
 * it again with {@link #withRequestId}.
 */
public class RequestIdFilter {

    public static final String HEADER = "X-Request-ID";
    /** The MDC key, {@code %X{requestId}} in the log format. */
    public static final String MDC_KEY = "requestId";
    /** Routing-context key of the request's arrival ({@link System#nanoTime()}): a caller's budget counts from it. */
    public static final String ARRIVAL = "enclave.arrival-nanos";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    @ServerRequestFilter(preMatching = true)
    public void assign(ContainerRequestContext request, RoutingContext routing) {
        // before authentication and token verification, which spend the caller's budget too
        routing.put(ARRIVAL, System.nanoTime());
        String id = request.getHeaderString(HEADER);
        if (id == null || !SAFE.matcher(id).matches()) {
            id = UUID.randomUUID().toString();
        }
        MDC.put(MDC_KEY, id);
        request.setProperty(MDC_KEY, id);
        routing.put(MDC_KEY, id); // for the access log's line (AccessLog)
    }

    @ServerResponseFilter
    public void echo(ContainerRequestContext request, ContainerResponseContext response) {
        Object id = request.getProperty(MDC_KEY);
        if (id != null) {
            response.getHeaders().putSingle(HEADER, id);
        }
        MDC.remove(MDC_KEY);
    }

    /** The current request's id, while its filters' MDC is in place (in the resource method). */
    public static String current() {
        Object id = MDC.get(MDC_KEY);
        return id == null ? null : id.toString();
    }

    /** Runs {@code action} (a log call) with {@code requestId} in the MDC, restoring what was there. */
    public static void withRequestId(String requestId, Runnable action) {
        Object previous = MDC.get(MDC_KEY);
        if (requestId != null) {
            MDC.put(MDC_KEY, requestId);
        }
        try {
            action.run();
        } finally {
            if (previous == null) {
                MDC.remove(MDC_KEY);
            } else {
                MDC.put(MDC_KEY, previous);
            }
        }
    }
}
