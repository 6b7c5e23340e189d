package dev.enclave.instance.health;

import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.security.RevokedAccessTokens;
import dev.enclave.instance.service.AiSettingsService;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * How fresh the state kept from polls is: the revocation list (token-service) and the AI settings
 * (database), and the state of the breaker in front of token-service's AI token minting. Always UP:
 * the last good values stay in force and serve requests (personal access tokens keep working even
 * when a stale revocation list makes OAuth access tokens refused, which {@code revocation_list}
 * shows); this check makes their age visible ({@code GET /q/health/ready}). Reads only fields, so
 * it is cheap.
 */
@Readiness
@ApplicationScoped
public class PollHealth implements HealthCheck {

    private final RevokedAccessTokens revocations;
    private final AiSettingsService settings;
    private final CircuitBreakerMaintenance breakers;
    private final Clock clock;

    public PollHealth(RevokedAccessTokens revocations, AiSettingsService settings, CircuitBreakerMaintenance breakers,
                      Clock clock) {
        this.revocations = revocations;
        this.settings = settings;
        this.breakers = breakers;
        this.clock = clock;
    }

    @Override
    public HealthCheckResponse call() {
        Instant now = clock.instant();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("polled state").up();
        response.withData("revocation_list_age_ms", revocations.lastSuccess()
                .map(at -> Long.toString(Duration.between(at, now).toMillis())).orElse("never fetched"));
        response.withData("revocation_poll", revocations.failure().map(f -> "failing: " + f).orElse("ok"));
        response.withData("revocation_list", revocations.isStale()
                ? "stale: OAuth access tokens are refused (older than " + revocations.maxStaleness().toSeconds()
                + " s or never fetched)" : "fresh");
        response.withData("ai_settings_age_ms", settings.lastRead()
                .map(at -> Long.toString(Duration.between(at, now).toMillis())).orElse("never read"));
        response.withData("ai_settings", settings.stale() ? "stale: re-reading fails" : "ok");
        response.withData("token_service_ai_tokens_breaker",
                breakers.currentState(TokenServiceClient.MINT_CIRCUIT_BREAKER).name().toLowerCase());
        return response.build();
    }
}
