package dev.enclave.instance;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * One application start for the security tests that need settings of their own
 * (RevocationStalenessTest, TokenFailureLogTest, NoTokenIntrospectionTest): a short revocation-list
 * bound (poll every 1 s, refuse OAuth tokens after 3 s, no retries); DEBUG on for the security code
 * and quarkus-oidc, as an operator might turn it on; and client credentials for quarkus-oidc, with
 * which it could call token-service's introspection endpoint if introspection were allowed.
 */
public class SecurityTestProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("enclave.instance.revocation-poll-interval", "1s",
                "enclave.instance.revocation-max-staleness", "3s",
                "enclave.instance.revocation-poll.max-retries", "0",
                "quarkus.log.category.\"dev.enclave.instance.security\".level", "DEBUG",
                "quarkus.log.category.\"io.quarkus.oidc\".level", "DEBUG",
                "quarkus.log.category.\"io.quarkus.security\".level", "DEBUG",
                "quarkus.oidc.client-id", "instance-service",
                "quarkus.oidc.credentials.secret", "test-instance-secret");
    }
}
