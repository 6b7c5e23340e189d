package dev.enclave.gateway.client;

import dev.enclave.gateway.config.ClientCredentialsConfig;
import dev.enclave.gateway.rest.GatewayException;
import io.quarkus.oidc.client.OidcClientException;
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
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * Calls model-adapter and turns its failures into the gateway's answers: a model server's own
 * refusal becomes 421 {@code "<status>: <reason>"}, an egress refusal (the model endpoint is
 * outside the networks model-adapter may reach) 403; 503 when model-adapter cannot be reached or
 * refuses this gateway, and when token-service gives no token for model-adapter.
 */
@ApplicationScoped
public class ModelAdapterClient {

    private static final Logger LOG = Logger.getLogger(ModelAdapterClient.class);
    /** model-adapter's {@code error} for an endpoint outside its egress allowlist. */
    static final String EGRESS_DENIED = "egress_denied";
    /**
     * model-adapter's {@code error}s when it refuses the caller itself: this gateway's address is
     * outside its trusted networks, its token is not accepted, or it cannot verify tokens. None is
     * the model server's answer; each needs an operator.
     */
    private static final Set<String> CALLER_REFUSED = Set.of("ingress_denied", "invalid_token",
            "token_keys_unavailable");
    private static final String OIDC_CLIENT = "io.quarkus.oidc.client.";

    private final ModelAdapterApi api;
    private final String clientId;

    public ModelAdapterClient(@RestClient ModelAdapterApi api, ClientCredentialsConfig credentials) {
        this.api = api;
        this.clientId = credentials.clientId();
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
        } catch (RuntimeException e) {
            throw withoutToken(e);
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
        } catch (RuntimeException e) {
            throw withoutToken(e);
        }
    }

    /**
     * The call never left: the OIDC client filter found no token for model-adapter and failed the
     * call with its own exception (token-service unreachable, or refusing the grant: the message is
     * token-service's error body), or, for an answer it cannot parse (one without a body), with
     * whatever the parsing threw, which only the place it was thrown tells apart.
     *
     * @throws RuntimeException {@code e} itself when it is no such failure
     */
    private GatewayException withoutToken(RuntimeException e) {
        String reason;
        if (e instanceof OidcClientException) {
            reason = e.getCause() == null ? e.getMessage() : e.getMessage() + " (" + e.getCause() + ")";
            LOG.warnf("No token for model-adapter from token-service for client %s: %s", clientId, reason);
        } else if (e.getStackTrace().length > 0 && e.getStackTrace()[0].getClassName().startsWith(OIDC_CLIENT)) {
            reason = "token-service's answer cannot be read";
            LOG.warnf("No token for model-adapter from token-service for client %s: %s (%s)", clientId, reason, e);
        } else {
            throw e;
        }
        return GatewayException.unavailable("cannot obtain a token for model-adapter: " + reason);
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
        if (error != null && CALLER_REFUSED.contains(error.error())) {
            LOG.warnf("model-adapter refused this gateway (%s): %s", error.error(), message);
            return GatewayException.unavailable("model-adapter refused this gateway: " + message);
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
