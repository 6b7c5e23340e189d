package dev.enclave.gateway.health;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.quarkus.vertx.http.runtime.filters.QuarkusRequestWrapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP requests the gateway has received and not finished, counted the way Quarkus' graceful
 * shutdown counts them (a request is done when its response ended, or its connection closed), so
 * that health data shows what a shutdown would wait for: a stream whose client went away must not
 * stay in it.
 */
@ApplicationScoped
public class HttpRequestsInFlight {

    private final AtomicInteger open = new AtomicInteger();

    void count(@Observes Filters filters) {
        filters.register(context -> {
            QuarkusRequestWrapper request = QuarkusRequestWrapper.get(context.request());
            if (request != null) {
                open.incrementAndGet();
                request.addRequestDoneHandler(done -> open.decrementAndGet());
            }
            context.next();
        }, 100);
    }

    public int current() {
        return open.get();
    }
}
