package dev.enclave.gateway.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** {@code /q/health/ready}: {@link GatewayReadiness}'s answer (Quarkus adds its own shutdown check). */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    private final GatewayReadiness readiness;

    public ReadinessCheck(GatewayReadiness readiness) {
        this.readiness = readiness;
    }

    @Override
    public HealthCheckResponse call() {
        return readiness.check();
    }
}
