package dev.enclave.adapter.metrics;

import dev.enclave.adapter.security.RevokedAccessTokens;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Duration;

/**
 * {@code enclave_revocation_list_age_seconds}: how old the token revocation list polled from
 * token-service is (NaN before the first successful poll), and
 * {@code enclave_revocation_list_max_staleness_seconds}, the age past which every token is refused
 * ({@code revocation_list_stale}). Read at scrape time only.
 */
@ApplicationScoped
public class RevocationListMetrics {

    void register(@Observes StartupEvent event, MeterRegistry registry, RevokedAccessTokens revoked) {
        Gauge.builder("enclave.revocation.list.age", revoked, RevocationListMetrics::age)
                .description("Age of the token revocation list, since its last successful poll (NaN before one)")
                .baseUnit("seconds").register(registry);
        Gauge.builder("enclave.revocation.list.max.staleness", revoked, r -> r.maxStaleness().toMillis() / 1000.0)
                .description("The revocation list's age past which tokens are refused")
                .baseUnit("seconds").register(registry);
    }

    static double age(RevokedAccessTokens revoked) {
        Duration age = revoked.age();
        return age == null ? Double.NaN : age.toMillis() / 1000.0;
    }
}
