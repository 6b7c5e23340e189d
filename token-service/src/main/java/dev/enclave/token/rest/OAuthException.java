package dev.enclave.token.rest;

import jakarta.ws.rs.core.Response;

/** An RFC 6749 section 5.2 error: {@code error} code, human-readable description, HTTP status. */
public class OAuthException extends RuntimeException {

    private final String error;
    private final Response.Status status;
    /** Seconds for a {@code Retry-After} header; null for none. */
    private final Long retryAfterSeconds;

    public OAuthException(Response.Status status, String error, String description) {
        this(status, error, description, null);
    }

    private OAuthException(Response.Status status, String error, String description, Long retryAfterSeconds) {
        super(description);
        this.status = status;
        this.error = error;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /**
     * 429 with {@code Retry-After}: too many failed client authentications. {@code slow_down} is
     * the token-endpoint error code registered for "poll less often" (RFC 8628 section 3.5).
     */
    public static OAuthException slowDown(String description, long retryAfterSeconds) {
        return new OAuthException(Response.Status.TOO_MANY_REQUESTS, "slow_down", description, retryAfterSeconds);
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

    public static OAuthException invalidGrant(String description) {
        return new OAuthException(Response.Status.BAD_REQUEST, "invalid_grant", description);
    }

    public static OAuthException unauthorizedClient(String description) {
        return new OAuthException(Response.Status.BAD_REQUEST, "unauthorized_client", description);
    }

    public static OAuthException unsupportedGrantType(String description) {
        return new OAuthException(Response.Status.BAD_REQUEST, "unsupported_grant_type", description);
    }

    /** RFC 8707: the requested audience is not one this server issues tokens for. */
    public static OAuthException invalidTarget(String description) {
        return new OAuthException(Response.Status.BAD_REQUEST, "invalid_target", description);
    }

    /** 409: the request lost a race with a concurrent one that changed the same record. */
    public static OAuthException conflict(String description) {
        return new OAuthException(Response.Status.CONFLICT, "conflict", description);
    }

    public static OAuthException notFound(String description) {
        return new OAuthException(Response.Status.NOT_FOUND, "not_found", description);
    }

    /** @return {@code value}, which the request must carry as parameter {@code name} */
    public static String require(String value, String name) {
        if (value == null || value.isBlank()) {
            throw invalidRequest(name + " is required");
        }
        return value;
    }

    public String error() {
        return error;
    }

    public Response.Status status() {
        return status;
    }

    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
