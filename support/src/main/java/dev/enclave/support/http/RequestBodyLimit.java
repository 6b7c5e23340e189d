package dev.enclave.support.http;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Map;

/**
 * Refuses a request body larger than {@code quarkus.http.limits.max-body-size} with 413 in this
 * service's error shape, before anything reads it: one whose {@code Content-Length} is over the
 * limit at once, unread; a chunked one as soon as its bytes pass the limit (Quarkus REST would
 * otherwise buffer a chunked body whole, whatever its size, before the resource parses it).
 * The answer's body and headers come from {@link RequestBodyLimitConfig}.
 */
@ApplicationScoped
public class RequestBodyLimit {

    /** Before Quarkus' own Content-Length check (RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT, -2), which answers without a body. */
    static final int ORDER = -3;
    static final String SETTING = "quarkus.http.limits.max-body-size";

    private final long limit;
    private final String body;
    private final Map<String, String> headers;

    RequestBodyLimit(RequestBodyLimitConfig config,
                     @ConfigProperty(name = SETTING, defaultValue = "10240K") MemorySize limit,
                     @ConfigProperty(name = "quarkus.application.name", defaultValue = "the service") String application) {
        this.limit = limit.asLongValue();
        this.body = config.body()
                .map(template -> template.replace("{limit}", Long.toString(this.limit)))
                .orElseGet(() -> new JsonObject().put("message", "the request body is larger than " + application
                        + "'s limit of " + this.limit + " bytes (" + SETTING + ")").encode());
        this.headers = Map.copyOf(config.headers());
    }

    /** The limit in bytes. */
    public long limit() {
        return limit;
    }

    void install(@Observes Router router) {
        BodyHandler chunked = BodyHandler.create(false).setBodyLimit(limit);
        router.route().order(ORDER).handler(context -> {
            String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null) {
                if (declaredOver(length)) {
                    refuse(context);
                } else {
                    context.next();
                }
            } else if (context.request().getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
                // read here, counting: over the limit it fails the request with 413 (below)
                chunked.handle(context);
            } else {
                context.next();
            }
        });
        router.route().order(ORDER).failureHandler(context -> {
            if (context.statusCode() == 413 && !context.response().headWritten()) {
                refuse(context);
            } else {
                context.next();
            }
        });
    }

    private boolean declaredOver(String length) {
        try {
            return Long.parseLong(length.strip()) > limit;
        } catch (NumberFormatException e) {
            // Vert.x refuses a malformed Content-Length itself
            return false;
        }
    }

    private void refuse(RoutingContext context) {
        // the rest of the body is not read: the connection is closed once the answer is written
        var response = context.response().setStatusCode(413);
        headers.forEach(response::putHeader);
        response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(body)
                .onComplete(done -> context.request().connection().close());
    }
}
