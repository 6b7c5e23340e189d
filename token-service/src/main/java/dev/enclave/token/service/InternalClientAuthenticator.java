package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.rest.OAuthException;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Authenticates the instance's own client on the internal API (RFC 6749 section 2.3.1,
 * {@code client_secret_basic}).
 */
@ApplicationScoped
public class InternalClientAuthenticator {

    private final TokenServiceConfig config;

    public InternalClientAuthenticator(TokenServiceConfig config) {
        this.config = config;
    }

    /** @return the authenticated client id */
    public String authenticate(String authorizationHeader) {
        ClientCredentials presented = ClientCredentials.fromBasic(authorizationHeader);
        TokenServiceConfig.InstanceClient expected = config.instanceClient();
        boolean idMatches = MessageDigest.isEqual(bytes(presented.clientId()), bytes(expected.id()));
        boolean secretMatches = presented.secret() != null
                && MessageDigest.isEqual(bytes(presented.secret()), bytes(expected.secret()));
        if (!(idMatches && secretMatches)) {
            throw OAuthException.invalidClient("Unknown client or wrong client secret");
        }
        return presented.clientId();
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
