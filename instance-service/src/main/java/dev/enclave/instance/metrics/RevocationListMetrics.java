package dev.enclave.instance.metrics;

import dev.enclave.instance.security.RevokedAccessTokens;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code enclave_revocation_list_age_seconds}: how old the OAuth token revocation list polled from
 * token-service is (NaN before the first successful poll), and
 * {@code enclave_revocation_list_max_staleness_seconds}, the age past which OAuth tokens are
 * refused. Read at scrape time only.
 */
@ApplicationScoped
public class RevocationListMetrics {

    void register(@Observes StartupEvent event, MeterRegistry registry, RevokedAccessTokens revoked, Clock clock) {
        Gauge.builder("enclave.revocation.list.age", revoked, r -> age(r, clock))
                .description("Age of the token revocation list, since its last successful poll (NaN before one)")
                .baseUnit("seconds").register(registry);
        Gauge.builder("enclave.revocation.list.max.staleness", revoked, r -> r.maxStaleness().toMillis() / 1000.0)
                .description("The revocation list's age past which tokens are refused")
                .baseUnit("seconds").register(registry);
    }

    static double age(RevokedAccessTokens revoked, Clock clock) {
        Instant last = revoked.lastSuccess().orElse(null);
        return last == null ? Double.NaN : Duration.between(last, clock.instant()).toMillis() / 1000.0;
    }
}
