package dev.enclave.gateway.client;

import dev.enclave.gateway.rest.GatewayException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Calls model-adapter and turns its failures into the gateway's answers: a model server's own
 * refusal becomes 421 {@code "<status>: <reason>"}, an adapter that cannot be reached 503.
 */
@ApplicationScoped
public class ModelAdapterClient {

    private static final Logger LOG = Logger.getLogger(ModelAdapterClient.class);

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

    private static GatewayException translate(Response response, AdapterWire.GenerateRequest request) {
        AdapterWire.ErrorBody error = readError(response);
        String message = error == null || error.message() == null ? "HTTP " + response.getStatus() : error.message();
        int status = error != null && error.modelStatus() != null ? error.modelStatus() : response.getStatus();
        LOG.infof("Model call for %s failed: %d %s", request.model(), status, message);
        if (response.getStatus() == 400 || response.getStatus() == 422) {
            return GatewayException.invalid("model_metadata", message);
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
}
