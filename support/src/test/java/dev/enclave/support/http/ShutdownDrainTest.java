package dev.enclave.support.http;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What differs between services is configuration; the services' own ShutdownDrainTest drive the 503 over HTTP. */
class ShutdownDrainTest {

    private static ShutdownDrainConfig config(Optional<List<String>> openPaths) {
        return new ShutdownDrainConfig() {
            @Override
            public Optional<String> body() {
                return Optional.empty();
            }

            @Override
            public Map<String, String> headers() {
                return Map.of();
            }

            @Override
            public Optional<List<String>> openPaths() {
                return openPaths;
            }
        };
    }

    @Test
    void byDefaultOnlyTheHealthEndpointsStayOpen() {
        ShutdownDrain drain = new ShutdownDrain(config(Optional.empty()), true, Optional.of("2s"), "svc", "q");

        assertThat(drain.open("/q/health/live")).isTrue();
        assertThat(drain.open("/q/health")).isTrue();
        assertThat(drain.open("/q/metrics")).isFalse();
        assertThat(drain.open("/api/v4/version")).isFalse();
        assertThat(ShutdownDrain.healthPrefix("/internal/")).isEqualTo("/internal/health");
    }

    @Test
    void aServiceMayKeepMorePathsOpen() {
        ShutdownDrain drain = new ShutdownDrain(config(Optional.of(List.of("/q/", "/monitoring/"))), true,
                Optional.of("5S"), "svc", "q");

        assertThat(drain.open("/q/openapi")).isTrue();
        assertThat(drain.open("/monitoring/ready")).isTrue();
        assertThat(drain.open("/v2/code/completions")).isFalse();
    }

    @Test
    void nothingIsRefusedBeforeShutdownBegins() {
        ShutdownDrain drain = new ShutdownDrain(config(Optional.empty()), true, Optional.of("0s"), "svc", "q");

        assertThat(drain.refusing()).isFalse();
        drain.onShutdownDelay(null);
        assertThat(drain.refusing()).isTrue();
    }
}
