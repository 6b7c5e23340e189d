package dev.enclave.gateway.client;

import dev.enclave.gateway.config.ClientCredentialsConfig;
import dev.enclave.gateway.rest.GatewayException;
import io.quarkus.oidc.client.OidcClientException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.VertxException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Calls model-adapter without holding a thread and turns its failures into the gateway's answers:
 * a model server's own refusal becomes 421 {@code "<status>: <reason>"}, an egress refusal (the
 * model endpoint is outside the networks model-adapter may reach) 403; 503 when model-adapter
 * cannot be reached or refuses this gateway, and when token-service gives no token for
 * model-adapter.
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
    /**
     * Stream events held for a slow reader before reading model-adapter's response is paused, and
     * the backlog at which it resumes. Events are single deltas (a token or a few), so this bounds
     * what a stream holds to a few KB.
     */
    static final int STREAM_HIGH_WATER = 32;
    static final int STREAM_LOW_WATER = 8;

    private final ModelAdapterApi api;
    private final String clientId;

    public ModelAdapterClient(@RestClient ModelAdapterApi api, ClientCredentialsConfig credentials) {
        this.api = api;
        this.clientId = credentials.clientId();
    }

    /** One JSON answer; {@code requestId} goes on as {@code X-Request-ID}. */
    public Uni<AdapterWire.GenerateResponse> generate(AdapterWire.GenerateRequest request, String requestId) {
        Uni<AdapterWire.GenerateResponse> call = request.messages() == null
                ? api.complete(requestId, request) : api.chat(requestId, request);
        return call.onFailure().transform(e -> translate(e, request));
    }

    /**
     * As {@link #generate}, but gives up after {@code deadline}: 503 when model-adapter has not
     * answered by then (the call is cancelled, which closes its connection).
     */
    public Uni<AdapterWire.GenerateResponse> generateWithin(AdapterWire.GenerateRequest request, String requestId,
                                                            Duration deadline) {
        return generate(request, requestId).ifNoItem().after(deadline).failWith(() -> {
            LOG.warnf("model-adapter did not answer within %d ms for %s", deadline.toMillis(), request.model());
            return GatewayException.unavailable("model-adapter did not answer within " + seconds(deadline));
        });
    }

    /**
     * {@code stream: true}: model-adapter's events as they arrive, read no faster than the
     * subscriber takes them (beyond a small backlog). A refusal before the stream fails the
     * {@code Multi} with the same {@link GatewayException} as {@link #generate}; so does a broken
     * connection. Cancelling closes model-adapter's connection.
     */
    public Multi<AdapterWire.StreamEvent> stream(AdapterWire.GenerateRequest request, String requestId) {
        AdapterWire.StreamingCall call = new AdapterWire.StreamingCall(request.streaming());
        Multi<AdapterWire.StreamEvent> events = request.messages() == null
                ? api.completeStream(requestId, call) : api.chatStream(requestId, call);
        return new BoundedRelay<>(events, call.valve(), STREAM_HIGH_WATER, STREAM_LOW_WATER)
                .onFailure().transform(e -> translate(e, request));
    }

    private RuntimeException translate(Throwable failure, AdapterWire.GenerateRequest request) {
        if (failure instanceof GatewayException e) {
            return e;
        }
        if (failure instanceof WebApplicationException e) {
            return translate(e.getResponse(), request);
        }
        if (failure instanceof OidcClientException || thrownByOidcClient(failure)) {
            return withoutToken(failure);
        }
        if (failure instanceof ProcessingException || failure instanceof IOException
                || failure instanceof VertxException) {
            // the reactive client fails with the bare I/O error, or wraps it
            String reason = failure instanceof ProcessingException && failure.getCause() != null
                    ? failure.getCause().toString() : failure.toString();
            LOG.warnf("model-adapter unreachable for %s: %s", request.model(), reason);
            return GatewayException.unavailable("model-adapter is unreachable: " + reason);
        }
        return failure instanceof RuntimeException e ? e : new IllegalStateException(failure);
    }

    /**
     * The call never left: the OIDC client filter found no token for model-adapter and failed the
     * call with its own exception (token-service unreachable, or refusing the grant: the message is
     * token-service's error body), or, for an answer it cannot parse (one without a body), with
     * whatever the parsing threw, which only the place it was thrown tells apart.
     */
    private GatewayException withoutToken(Throwable e) {
        String reason;
        if (e instanceof OidcClientException) {
            reason = e.getCause() == null ? e.getMessage() : e.getMessage() + " (" + e.getCause() + ")";
            LOG.warnf("No token for model-adapter from token-service for client %s: %s", clientId, reason);
        } else {
            reason = "token-service's answer cannot be read";
            LOG.warnf("No token for model-adapter from token-service for client %s: %s (%s)", clientId, reason, e);
        }
        return GatewayException.unavailable("cannot obtain a token for model-adapter: " + reason);
    }

    private static boolean thrownByOidcClient(Throwable e) {
        return e.getStackTrace().length > 0 && e.getStackTrace()[0].getClassName().startsWith(OIDC_CLIENT);
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

    /** {@code 3 s}, {@code 2.75 s}: how the gateway words a budget in its answers. */
    public static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }
}
