package dev.enclave.gateway.tracing;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.smallrye.common.vertx.VertxContext;

/**
 * Names the feature (the unit primitive) a request is for, in its trace: an {@code enclave.feature}
 * attribute on the gateway's server span, and an {@code enclave.feature} W3C baggage entry that
 * travels with the trace context to model-adapter, whose model-call span carries it. Only the
 * feature's name goes into baggage, nothing about the caller. Without tracing (the SDK off) the
 * context is a no-op and nothing is sent.
 */
public final class RequestFeature {

    public static final String KEY = "enclave.feature";

    private RequestFeature() {
    }

    /**
     * Called on the request's own (duplicated) Vert.x context, where Quarkus keeps the request's
     * OpenTelemetry context: the baggage is attached there for the rest of the request, and goes
     * with the context when the request ends (no scope is left on a shared thread).
     */
    @SuppressWarnings("resource") // the request's context is dropped with the request
    public static void mark(String feature) {
        // only on a request's duplicated context: anywhere else the scope would outlive the request
        if (feature == null || !VertxContext.isOnDuplicatedContext()) {
            return;
        }
        Span span = Span.current();
        if (!span.getSpanContext().isValid()) {
            return;
        }
        span.setAttribute(KEY, feature);
        Context.current().with(Baggage.current().toBuilder().put(KEY, feature).build()).makeCurrent();
    }
}
