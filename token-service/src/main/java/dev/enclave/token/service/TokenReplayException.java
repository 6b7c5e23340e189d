package dev.enclave.token.service;

import dev.enclave.token.rest.OAuthException;
import jakarta.ws.rs.core.Response;

/**
 * {@code invalid_grant} for a code or refresh token presented a second time. Unlike every other
 * error it commits its transaction: the revocation of what the first use issued must stick.
 */
public class TokenReplayException extends OAuthException {

    public TokenReplayException(String description) {
        super(Response.Status.BAD_REQUEST, "invalid_grant", description);
    }
}
