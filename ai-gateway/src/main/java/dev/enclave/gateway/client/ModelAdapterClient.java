package dev.enclave.gateway.client;

import dev.enclave.gateway.rest.GatewayException;
import io.smallrye.mutiny.TimeoutException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionException;

/**
 * Calls model-adapter and turns its failures into the gateway's answers: a model server's own
 * refusal becomes 421 {@code "<status>: <reason>"}, an egress refusal (the model endpoint is
 * outside the networks model-adapter may reach) 403, an adapter that cannot be reached 503.
 */
@ApplicationScoped
public class ModelAdapterClient {

    private static final Logger LOG = Logger.getLogger(ModelAdapterClient.class);
    /** model-adapter's {@code error} for an endpoint outside its egress allowlist. */
    static final String EGRESS_DENIED = "egress_denied";

    private final ModelAdapterApi api;

    public ModelAdapterClient(@RestClient ModelAdapterApi api) {
        this.api = api;
    }

    public AdapterWire.GenerateResponse generate(AdapterWire.GenerateRequest request) {
        String requestId = (String) MDC.get("requestId");
        try {
            return request.messages() == null ? api.complete(requestId, request) : api.chat(requestId, request);
        } catch (WebApplicationException e) {
            throw translate(e.getResponse(), request);
        } catch (ProcessingException e) {
            LOG.warnf("model-adapter unreachable for %s: %s", request.model(), e.getMessage());
            throw GatewayException.unavailable("model-adapter is unreachable: " + e.getMessage());
        }
    }

    /** As {@link #generate}, but gives up after {@code deadline}: 503 when model-adapter has not answered by then. */
    public AdapterWire.GenerateResponse generateWithin(AdapterWire.GenerateRequest request, Duration deadline) {
        String requestId = (String) MDC.get("requestId");
        Uni<AdapterWire.GenerateResponse> call = request.messages() == null
                ? api.completeAsync(requestId, request) : api.chatAsync(requestId, request);
        try {
            return call.await().atMost(deadline);
        } catch (TimeoutException e) {
            LOG.warnf("model-adapter did not answer within %d ms for %s", deadline.toMillis(), request.model());
            throw GatewayException.unavailable("model-adapter did not answer within " + seconds(deadline));
        } catch (WebApplicationException e) {
            throw translate(e.getResponse(), request);
        } catch (ProcessingException | CompletionException e) {
            // the reactive client fails with the bare I/O error, which await() wraps
            String reason = e.getCause() != null ? e.getCause().toString() : e.getMessage();
            LOG.warnf("model-adapter unreachable for %s: %s", request.model(), reason);
            throw GatewayException.unavailable("model-adapter is unreachable: " + reason);
        }
    }

    private static GatewayException translate(Response response, AdapterWire.GenerateRequest request) {
        AdapterWire.ErrorBody error = readError(response);
        String message = error == null || error.message() == null ? "HTTP " + response.getStatus() : error.message();
        int status = error != null && error.modelStatus() != null ? error.modelStatus() : response.getStatus();
        LOG.infof("Model call for %s failed: %d %s", request.model(), status, message);
        if (response.getStatus() == 400 || response.getStatus() == 422) {
            return GatewayException.invalid("model_metadata", message);
        }
        if (error != null && EGRESS_DENIED.equals(error.error())) {
            return GatewayException.forbidden(message);
        }
        return GatewayException.modelServer(status + ": " + message);
    }

    private static AdapterWire.ErrorBody readError(Response response) {
        try {
            return response.readEntity(AdapterWire.ErrorBody.class);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }
}
