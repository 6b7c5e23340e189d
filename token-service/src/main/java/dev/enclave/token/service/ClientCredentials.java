package dev.enclave.token.service;

import dev.enclave.token.rest.OAuthException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What a client presented at an OAuth endpoint (RFC 6749 section 2.3.1): HTTP Basic
 * ({@code client_secret_basic}), the form fields {@code client_id} and {@code client_secret}
 * ({@code client_secret_post}), or only {@code client_id} (a public client).
 *
 * @param secret null when the client sent none
 */
public record ClientCredentials(String clientId, String secret) {

    public static ClientCredentials from(String authorization, String formClientId, String formClientSecret) {
        if (authorization == null) {
            if (isBlank(formClientId)) {
                throw OAuthException.invalidClient("Client authentication required: HTTP Basic or client_id");
            }
            return new ClientCredentials(formClientId, isBlank(formClientSecret) ? null : formClientSecret);
        }
        ClientCredentials basic = fromBasic(authorization);
        if (!isBlank(formClientSecret)) {
            throw OAuthException.invalidRequest("Use one client authentication method: HTTP Basic or client_secret");
        }
        if (!isBlank(formClientId) && !formClientId.equals(basic.clientId())) {
            throw OAuthException.invalidRequest("client_id differs from the one in the Authorization header");
        }
        return basic;
    }

    /** {@code client_secret_basic} only. */
    public static ClientCredentials fromBasic(String authorization) {
        if (authorization == null) {
            throw OAuthException.invalidClient("Client authentication required: send HTTP Basic client_id:client_secret");
        }
        if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw OAuthException.invalidClient("Client authentication must use HTTP Basic");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw OAuthException.invalidClient("Authorization header is not valid Basic credentials");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            throw OAuthException.invalidClient("Authorization header is not valid Basic credentials");
        }
        String secret = decoded.substring(colon + 1);
        return new ClientCredentials(decoded.substring(0, colon), secret.isEmpty() ? null : secret);
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /** Never the secret: records end up in logs and exception messages. */
    @Override
    public String toString() {
        return "ClientCredentials[clientId=" + clientId + "]";
    }
}
