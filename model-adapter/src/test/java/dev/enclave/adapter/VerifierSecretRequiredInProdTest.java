package dev.enclave.adapter;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * In the prod profile model-adapter does not start without its verifier secret: it could not poll
 * the revocation list and would honour revoked tokens (issue 12 #3).
 */
@QuarkusMainTest
@TestProfile(VerifierSecretRequiredInProdTest.ProdWithoutSecret.class)
class VerifierSecretRequiredInProdTest {

    public static class ProdWithoutSecret implements QuarkusTestProfile {
        @Override
        public String getConfigProfile() {
            return "prod";
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            // a free port on loopback, so that a failure can only be the missing secret
            return Map.of("quarkus.http.port", "0", "quarkus.http.host", "127.0.0.1",
                    "enclave.adapter.verifier-client.secret", "");
        }
    }

    @Test
    @Launch(value = {}, exitCode = 1)
    void startUpFailsNamingTheSetting(LaunchResult result) {
        assertThat(result.getErrorOutput() + result.getOutput())
                .contains("enclave.adapter.verifier-client.secret (ENCLAVE_ADAPTER_VERIFIER_CLIENT_SECRET) is not set");
    }
}
