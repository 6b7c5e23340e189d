package dev.enclave.adapter.health;

import dev.enclave.adapter.fault.ModelServerGuards;
import dev.enclave.adapter.security.RevokedAccessTokens;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;
import java.time.Instant;

/**
 * Readiness means usable ({@code /q/health/ready}): token-service's verification keys are held,
 * and the revocation list is fresh enough that tokens are honoured. The model servers' circuit
 * breakers are shown there too, as data only: a broken model server does not make the adapter
 * unready, since other models still work through it. Liveness stays Quarkus' own cheap check.
 */
@ApplicationScoped
public class ReadinessChecks {

    /** Most model endpoints listed in the health data. */
    static final int LISTED = 50;

    private final VerificationKeys keys;
    private final RevokedAccessTokens revocations;
    private final ModelServerGuards guards;

    public ReadinessChecks(VerificationKeys keys, RevokedAccessTokens revocations, ModelServerGuards guards) {
        this.keys = keys;
        this.revocations = revocations;
        this.guards = guards;
    }

    @Produces
    @Readiness
    @ApplicationScoped
    HealthCheck verificationKeys() {
        return () -> {
            HealthCheckResponseBuilder answer = HealthCheckResponse.named("verification-keys").status(keys.ready());
            optional(answer, "ready_since", keys.readySince());
            if (!keys.ready()) {
                optional(answer, "last_attempt", keys.lastAttempt());
                optional(answer, "last_failure", keys.lastFailure());
            }
            return answer.build();
        };
    }

    @Produces
    @Readiness
    @ApplicationScoped
    HealthCheck revocationList() {
        return () -> {
            if (!revocations.polled()) {
                return HealthCheckResponse.named("revocation-list").up()
                        .withData("polled", false)
                        .withData("note", "enclave.adapter.verifier-client.secret is not set: revocations are not "
                                + "checked").build();
            }
            String stale = revocations.staleness();
            HealthCheckResponseBuilder answer = HealthCheckResponse.named("revocation-list").status(stale == null)
                    .withData("polled", true)
                    .withData("max_staleness_seconds", revocations.maxStaleness().toSeconds());
            Duration age = revocations.age();
            if (age != null) {
                answer.withData("age_seconds", age.toSeconds());
            }
            optional(answer, "last_success", revocations.lastSuccess());
            optional(answer, "last_failure", revocations.lastFailure());
            optional(answer, "stale", stale);
            return answer.build();
        };
    }

    @Produces
    @Readiness
    @ApplicationScoped
    HealthCheck modelServers() {
        return () -> {
            // always up: the breakers are data, one model server's trouble is not the adapter's
            HealthCheckResponseBuilder answer = HealthCheckResponse.named("model-servers").up()
                    .withData("tracked", guards.tracked());
            for (ModelServerGuards.Status status : guards.busyOrBroken(LISTED)) {
                answer.withData(status.endpoint(), status.breaker() + ", " + status.inFlight() + " in flight, "
                        + status.waiting() + " waiting");
            }
            return answer.build();
        };
    }

    private static void optional(HealthCheckResponseBuilder answer, String name, Object value) {
        if (value != null) {
            answer.withData(name, value instanceof Instant instant ? instant.toString() : value.toString());
        }
    }
}
