package dev.enclave.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** An error answered in vLLM's shape: {@code {"object":"error","message":..,"type":..,"param":null,"code":..}}. */
final class ApiException extends Exception {

    private static final Map<Integer, String> TYPES = Map.ofEntries(
            Map.entry(400, "BadRequestError"),
            Map.entry(401, "AuthenticationError"),
            Map.entry(403, "PermissionDeniedError"),
            Map.entry(404, "NotFoundError"),
            Map.entry(408, "RequestTimeoutError"),
            Map.entry(409, "ConflictError"),
            Map.entry(413, "RequestEntityTooLargeError"),
            Map.entry(422, "UnprocessableEntityError"),
            Map.entry(429, "RateLimitError"),
            Map.entry(500, "InternalServerError"),
            Map.entry(501, "NotImplementedError"),
            Map.entry(502, "BadGatewayError"),
            Map.entry(503, "ServiceUnavailableError"),
            Map.entry(504, "GatewayTimeoutError"));

    private final int status;

    private ApiException(int status, String message) {
        // Control flow for expected client errors: no stack trace needed.
        super(message, null, false, false);
        this.status = status;
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException modelNotFound(String model) {
        return new ApiException(404, "The model `" + model + "` does not exist.");
    }

    static ApiException injected(int status) {
        return new ApiException(status, "Simulated failure injected by model-simulator (HTTP " + status + ").");
    }

    static ApiException internal(String message) {
        return new ApiException(500, message);
    }

    int status() {
        return status;
    }

    ObjectNode body() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("object", "error");
        body.put("message", getMessage());
        body.put("type", typeFor(status));
        body.putNull("param");
        body.put("code", status);
        return body;
    }

    private static String typeFor(int status) {
        return TYPES.getOrDefault(status, status >= 500 ? "InternalServerError" : "BadRequestError");
    }
}
