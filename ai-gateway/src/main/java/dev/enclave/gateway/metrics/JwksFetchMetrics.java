package dev.enclave.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.oidc.common.OidcEndpoint;
import io.quarkus.oidc.common.OidcResponseFilter;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;

/**
 * {@code enclave_jwks_refreshes_total{outcome}}: every answer to quarkus-oidc's fetches of
 * token-service's key set (JWKS): at start, on the key-loading retries, and when a token names a
 * key id it does not know (a key rotation). {@code outcome} is {@code success} (2xx) or
 * {@code failure}; a fetch that got no answer at all is not counted here (see the
 * {@code enclave.gateway.keys} retries in the log and the readiness check).
 */
// a singleton (no client proxy), built at start so that the series is there, at 0, before the first fetch
@Singleton
@Startup
@OidcEndpoint(OidcEndpoint.Type.JWKS)
public class JwksFetchMetrics implements OidcResponseFilter {

    private final Counter success;
    private final Counter failure;

    public JwksFetchMetrics(MeterRegistry registry) {
        this.success = counter(registry, "success");
        this.failure = counter(registry, "failure");
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("enclave.jwks.refreshes").description("Fetches of token-service's key set (JWKS)")
                .tag("outcome", outcome).register(registry);
    }

    @Override
    public void filter(OidcResponseContext context) {
        (context.statusCode() / 100 == 2 ? success : failure).increment();
    }
}
