package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.rest.OAuthException;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

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
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw OAuthException.invalidClient("Client authentication required: send HTTP Basic client_id:client_secret");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorizationHeader.substring(6).trim()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw OAuthException.invalidClient("Authorization header is not valid Basic credentials");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw OAuthException.invalidClient("Authorization header is not valid Basic credentials");
        }
        String clientId = decoded.substring(0, colon);
        String secret = decoded.substring(colon + 1);
        TokenServiceConfig.InstanceClient expected = config.instanceClient();
        boolean idMatches = MessageDigest.isEqual(bytes(clientId), bytes(expected.id()));
        boolean secretMatches = MessageDigest.isEqual(bytes(secret), bytes(expected.secret()));
        if (!(idMatches && secretMatches)) {
            throw OAuthException.invalidClient("Unknown client or wrong client secret");
        }
        return clientId;
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
