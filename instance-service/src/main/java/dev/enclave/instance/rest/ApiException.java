package dev.enclave.instance.rest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An error in GitLab's REST shapes, answered with {@code X-GitLab-Error-Origin: monolith}. */
public class ApiException extends RuntimeException {

    private final int status;
    private final Map<String, Object> body;
    private Long retryAfter;

    private ApiException(int status, String message, Map<String, Object> body) {
        super(message);
        this.status = status;
        this.body = body;
    }

    /** {@code {"message": "<status> <reason>[ - <detail>]"}}, as GitLab's {@code render_api_error!}. */
    public static ApiException of(int status, String statusLine) {
        return new ApiException(status, statusLine, Map.of("message", statusLine));
    }

    public static ApiException unauthorized() {
        return of(401, "401 Unauthorized");
    }

    public static ApiException forbidden(String detail) {
        return of(403, detail == null ? "403 Forbidden" : "403 Forbidden - " + detail);
    }

    public static ApiException notFound(String what) {
        return of(404, what == null ? "404 Not Found" : "404 " + what + " Not Found");
    }

    public static ApiException tooManyRequests(long retryAfterSeconds) {
        ApiException e = of(429, "429 Too Many Requests");
        e.retryAfter = retryAfterSeconds;
        return e;
    }

    public static ApiException conflict(String detail) {
        return of(409, detail);
    }

    /** Grape parameter validation: 400 {@code {"error": "current_file is missing"}}. */
    public static ApiException badRequest(String error) {
        return new ApiException(400, error, Map.of("error", error));
    }

    /**
     * A model validation error, as GitLab's {@code render_validation_error!}: 400
     * {@code {"message": {"path": ["has already been taken"]}}}.
     */
    public static ApiException validation(String field, String problem) {
        return new ApiException(400, field + " " + problem, Map.of("message", Map.of(field, List.of(problem))));
    }

    public static ApiException tooLarge() {
        return of(413, "413 Request Entity Too Large");
    }

    public static ApiException unavailable(String detail) {
        return of(503, "503 Service Unavailable - " + detail);
    }

    /** A 503 with {@code Retry-After} (seconds, at least 1), when when to retry is known. */
    public static ApiException unavailable(String detail, Long retryAfterSeconds) {
        ApiException e = unavailable(detail);
        e.retryAfter = retryAfterSeconds == null ? null : Math.max(1, retryAfterSeconds);
        return e;
    }

    /** OAuth-style scope error, exactly as GitLab answers it. */
    public static ApiException insufficientScope(String requiredScopes) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "insufficient_scope");
        body.put("error_description", "The request requires higher privileges than provided by the access token.");
        body.put("scope", requiredScopes);
        return new ApiException(403, "insufficient_scope", body);
    }

    public int status() {
        return status;
    }

    /** Seconds, for 429 answers and the 503s that know when to retry. */
    public Long retryAfter() {
        return retryAfter;
    }

    public Map<String, Object> body() {
        return body;
    }
}
