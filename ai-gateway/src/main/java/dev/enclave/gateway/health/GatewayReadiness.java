package dev.enclave.gateway.health;

import dev.enclave.gateway.client.ModelAdapterClient;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.jboss.logging.Logger;

import java.util.Optional;

/**
 * Ready means usable: the gateway holds token-service's verification keys and is not shutting
 * down. model-adapter's circuit breaker is reported as data only: readiness must not flap with a
 * model or with model-adapter (the breaker already answers for it), or every gateway would leave
 * the load balancer at once. Serves {@code /monitoring/ready} and, through {@link ReadinessCheck},
 * {@code /q/health/ready}.
 */
@ApplicationScoped
public class GatewayReadiness {

    private static final Logger LOG = Logger.getLogger(GatewayReadiness.class);

    private final VerificationKeys keys;
    private final ModelAdapterClient adapter;
    private final HttpRequestsInFlight requests;
    private volatile boolean shuttingDown;

    public GatewayReadiness(VerificationKeys keys, ModelAdapterClient adapter, HttpRequestsInFlight requests) {
        this.keys = keys;
        this.adapter = adapter;
        this.requests = requests;
    }

    /** Quarkus' shutdown delay began: say not ready, so that no new requests are sent, while in-flight ones finish. */
    void onShutdownDelay(@Observes ShutdownDelayInitiatedEvent event) {
        shuttingDown = true;
        LOG.info("Shutting down: readiness is DOWN; in-flight requests and streams may finish");
    }

    /** Empty when ready; otherwise why not. */
    public Optional<String> notReadyBecause() {
        if (shuttingDown) {
            return Optional.of("shutting down");
        }
        if (!keys.held()) {
            return Optional.of("no token verification keys from token-service yet");
        }
        return Optional.empty();
    }

    /** The readiness check's answer, with the state of the keys and of model-adapter's breaker as data. */
    public HealthCheckResponse check() {
        Optional<String> reason = notReadyBecause();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("ai-gateway").status(reason.isEmpty())
                .withData("verification_keys", keys.held() ? "loaded" : "unavailable")
                .withData("verification_keys_failed_attempts", keys.failedAttempts())
                .withData("model_adapter_circuit_breaker", adapter.breakerState().name())
                .withData("model_adapter_calls_in_flight", adapter.callsInFlight())
                .withData("http_requests_in_flight", requests.current())
                .withData("shutting_down", shuttingDown);
        if (keys.loadedAt() != null) {
            response.withData("verification_keys_loaded_at", keys.loadedAt().toString());
        }
        if (keys.lastFailureAt() != null) {
            response.withData("verification_keys_last_failure_at", keys.lastFailureAt().toString())
                    .withData("verification_keys_last_failure", keys.lastFailure());
        }
        reason.ifPresent(r -> response.withData("reason", r));
        return response.build();
    }
}
