package dev.enclave.gateway.config;

import io.smallrye.config.ConfigMapping;

/**
 * ai-gateway's own client at token-service. model-adapter accepts only calls with an access token
 * issued for it, which quarkus-oidc-client gets with these credentials
 * ({@code quarkus.oidc-client.client-id} and {@code credentials.secret} refer to them).
 */
@ConfigMapping(prefix = "enclave.gateway")
public interface ClientCredentialsConfig {

    String clientId();

    /** No default: the gateway does not start without it (the secret token-service has for this client). */
    String clientSecret();
}
