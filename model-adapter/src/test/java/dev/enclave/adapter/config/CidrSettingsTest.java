package dev.enclave.adapter.config;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The egress and ingress lists are read by the shared CIDR parser (../support, NetworkAllowlistTest). */
class CidrSettingsTest {

    @ParameterizedTest
    @CsvSource({"enclave.adapter.egress.allowed-cidrs", "enclave.adapter.ingress.trusted-cidrs"})
    void aBadEntryInTheConfigurationStopsStartUpNamingIt(String setting) {
        Map<String, String> properties = new HashMap<>(Map.of(
                "enclave.adapter.connect-timeout", "PT3S",
                "enclave.adapter.read-timeout", "PT55S",
                "enclave.adapter.token-service-url", "http://127.0.0.1:8081",
                "enclave.adapter.revocation-poll-interval", "5s",
                "enclave.adapter.verifier-client.id", "model-adapter"));
        properties.put(setting, "10.0.0.0/8,192.168.0.0/33");
        SmallRyeConfigBuilder config = new SmallRyeConfigBuilder()
                .withMapping(AdapterConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 100));

        assertThatThrownBy(config::build)
                .hasStackTraceContaining(setting)
                .hasStackTraceContaining("CIDR '192.168.0.0/33' is not valid");
    }
}
