package dev.enclave.support.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * One log line per request, in every service (category {@code enclave.access}, level INFO), written
 * when the answer has been sent, streamed answers included:
 * {@code method path status duration_ms request_id trace_id}. The path is logged without its query
 * string (a query may carry what does not belong in a log); no header, body or credential is logged.
 * The request id is the one {@link RequestIdFilter} settled on (or the caller's {@code X-Request-ID}
 * when the request never reached it); the trace id is the request's server span's, when tracing is
 * on ({@code -} otherwise). Off with {@code enclave.access-log.enabled=false}.
 */
@ApplicationScoped
public class AccessLog {

    public static final String CATEGORY = "enclave.access";
    /** First of all routes, so that refusals by earlier handlers (413, 401) are logged too. */
    static final int ORDER = RequestBodyLimit.ORDER - 1;
    private static final Logger LOG = Logger.getLogger(CATEGORY);

    private final boolean enabled;

    AccessLog(@ConfigProperty(name = "enclave.access-log.enabled", defaultValue = "true") boolean enabled) {
        this.enabled = enabled;
    }

    void install(@Observes Router router) {
        if (!enabled) {
            return;
        }
        router.route().order(ORDER).handler(context -> {
            long start = System.nanoTime();
            // the server span is current here (it begins as the request arrives, before any route)
            Object trace = MDC.get("traceId");
            context.addEndHandler(ignored -> log(context, start, trace));
            context.next();
        });
    }

    private static void log(RoutingContext context, long start, Object trace) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        String path = context.request().path();
        Object id = context.get(RequestIdFilter.MDC_KEY);
        if (id == null) {
            id = context.request().getHeader(RequestIdFilter.HEADER);
        }
        String requestId = id == null ? "-" : id.toString();
        String traceId = trace == null || trace.toString().isEmpty() ? "-" : trace.toString();
        long micros = (System.nanoTime() - start) / 1_000;
        String duration = micros / 1000 + "." + String.format("%03d", micros % 1000);
        // the line's own MDC: what a JSON log line carries as fields, whatever thread ends the request
        RequestIdFilter.withRequestId(requestId, () -> LOG.infof("%s %s %d %sms request_id=%s trace_id=%s",
                context.request().method().name(), path == null ? "-" : safe(path),
                context.response().getStatusCode(), duration, requestId, traceId));
    }

    /** A path as sent may hold control characters: they would forge log lines. */
    static String safe(String path) {
        StringBuilder out = null;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f || c == ' ') {
                if (out == null) {
                    out = new StringBuilder(path.substring(0, i));
                }
                out.append('%').append(String.format("%02X", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? path : out.toString();
    }
}
