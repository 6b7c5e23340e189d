package dev.enclave.instance.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.enclave.instance.domain.AiSettings;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * docs/admin-guide.md: an AI settings change made through another replica applies here within
 * {@code settings-cache-ttl} (2 s). The feature routes are built on the settings, so a route cached
 * later than the settings it was built on must still expire with them (else: up to two TTLs).
 */
@QuarkusTest
@TestProfile(SettingsPropagationTest.MovedClock.class)
class SettingsPropagationTest {

    public static class MovedClock implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(SettableClock.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.instance.settings-cache-ttl", "PT2S");
        }
    }

    /** No feature setting: unassigned, so offline_mode alone decides between disabled and vendored. */
    static final String FEATURE = "settings_propagation_probe";

    @Inject
    AiSettingsService settings;

    @Inject
    FeatureRouter router;

    @Inject
    SettableClock clock;

    boolean offlineBefore;

    @AfterEach
    void restore() {
        QuarkusTransaction.requiringNew().run(() -> AiSettings.current().offlineMode = offlineBefore);
        settings.invalidate();
    }

    @Test
    void aRouteExpiresWithTheSettingsItWasBuiltOn() {
        offlineBefore = QuarkusTransaction.requiringNew().call(() -> {
            AiSettings stored = AiSettings.current();
            boolean before = stored.offlineMode;
            stored.offlineMode = true;
            return before;
        });
        settings.invalidate();
        assertThat(settings.current().offlineMode()).isTrue();

        // Another replica turns offline mode off right after this one read the settings (this
        // replica's caches are not told).
        QuarkusTransaction.requiringNew().run(() -> AiSettings.current().offlineMode = false);
        clock.advance(Duration.ofMillis(1500));
        // Within the bound the old settings may still apply; the route is built on them now.
        assertThat(router.route(FEATURE)).isInstanceOf(FeatureRouter.Route.Disabled.class);

        // Past the bound (2 s after the change) the change applies, route included.
        clock.advance(Duration.ofMillis(600));
        assertThat(settings.current().offlineMode()).isFalse();
        assertThat(router.route(FEATURE)).isInstanceOf(FeatureRouter.Route.Vendored.class);
    }
}
