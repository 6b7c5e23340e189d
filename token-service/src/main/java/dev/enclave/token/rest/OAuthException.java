package dev.enclave.token.rest;

import jakarta.ws.rs.core.Response;

/** An RFC 6749 section 5.2 error: {@code error} code, human-readable description, HTTP status. */
public class OAuthException extends RuntimeException {

    private final String error;
    private final Response.Status status;

    public OAuthException(Response.Status status, String error, String description) {
        super(description);
        this.status = status;
        this.error = error;
    }

    public static OAuthException invalidRequest(String description) {
        return new OAuthException(Response.Status.BAD_REQUEST, "invalid_request", description);
    }

    public static OAuthException invalidClient(String description) {
        return new OAuthException(Response.Status.UNAUTHORIZED, "invalid_client", description);
    }

    public static OAuthException invalidScope(String description) {
        return new OAuthException(Response.Status.BAD_REQUEST, "invalid_scope", description);
    }

    public String error() {
        return error;
    }

    public Response.Status status() {
        return status;
    }
}
