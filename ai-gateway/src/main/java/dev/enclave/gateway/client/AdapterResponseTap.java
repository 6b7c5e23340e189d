package dev.enclave.gateway.client;

import io.vertx.core.http.HttpClientResponse;
import jakarta.ws.rs.client.ClientResponseContext;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.client.impl.RestClientRequestContext;
import org.jboss.resteasy.reactive.client.spi.ResteasyReactiveClientRequestContext;
import org.jboss.resteasy.reactive.client.spi.ResteasyReactiveClientResponseFilter;

/**
 * Hands a streamed call's Vert.x response to its {@link BoundedRelay.Valve} as soon as
 * model-adapter's headers arrived, so that the relay can pause and resume reading the body. The
 * REST client has no public way to reach it; {@code unwrap} is its SPI for the request context.
 */
public class AdapterResponseTap implements ResteasyReactiveClientResponseFilter {

    private static final Logger LOG = Logger.getLogger(AdapterResponseTap.class);

    @Override
    public void filter(ResteasyReactiveClientRequestContext request, ClientResponseContext response) {
        if (!(request.getEntity() instanceof AdapterWire.StreamingCall call)) {
            return;
        }
        RestClientRequestContext context = request.unwrap(RestClientRequestContext.class);
        HttpClientResponse vertxResponse = context == null ? null : context.getVertxClientResponse();
        if (vertxResponse == null && context != null && context.getThrowable() != null) {
            // the REST client runs response filters on a failed call too (no connection, or it closed
            // before model-adapter answered): there is no response to read, and ModelAdapterClient
            // reports the failure itself
            return;
        }
        if (vertxResponse == null) {
            // the stream still works, but without pausing: say so rather than buffer silently
            LOG.warn("Cannot reach model-adapter's HTTP response: the stream is read without back-pressure");
            return;
        }
        call.valve().attach(vertxResponse);
    }
}
