package dev.enclave.gateway.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An error answered in the AI gateway's own shapes: {@code {"error": ...}} for authentication,
 * {@code {"detail": ...}} for everything else.
 */
public class GatewayException extends RuntimeException {

    /** GitLab's gateway answers model-server failures with 421 Misdirected Request. */
    public static final int MODEL_SERVER_ERROR = 421;

    private final int status;
    private final Object body;
    private final boolean adapterFault;

    private GatewayException(int status, String message, Object body) {
        this(status, message, body, false);
    }

    private GatewayException(int status, String message, Object body, boolean adapterFault) {
        // the answer is the whole story: no stack trace to fill for every refused call
        super(message, null, false, false);
        this.status = status;
        this.body = body;
        this.adapterFault = adapterFault;
    }

    public static GatewayException unauthenticated(String error) {
        return new GatewayException(401, error, Map.of("error", error));
    }

    public static GatewayException forbidden(String detail) {
        return new GatewayException(403, detail, Map.of("detail", detail));
    }

    /** FastAPI-style validation error: {@code {"detail": [{"loc": [...], "msg": ..., "type": ...}]}}. */
    public static GatewayException invalid(String field, String message) {
        return new GatewayException(422, field + ": " + message,
                Map.of("detail", List.of(Map.of("loc", List.of("body", field), "msg", message, "type", "value_error"))));
    }

    /**
     * FastAPI's (pydantic 2's) validation error for one field: {@code {"detail": [{"type": ...,
     * "loc": ["body", ...], "msg": ..., "input": ...}]}}, e.g. type {@code string_too_long}.
     *
     * @param loc the field's path under the body, e.g. {@code ["current_file", "content_above_cursor"]}
     */
    public static GatewayException invalidInput(List<?> loc, String type, String message, Object input) {
        List<Object> path = new ArrayList<>();
        path.add("body");
        path.addAll(loc);
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", type);
        error.put("loc", path);
        error.put("msg", message);
        error.put("input", input);
        return new GatewayException(422, String.join(".", loc.stream().map(String::valueOf).toList()) + ": " + message,
                Map.of("detail", List.of(error)));
    }

    /** 422 with a plain {@code detail}, as GitLab's gateway answers a prompt's missing inputs. */
    public static GatewayException unprocessable(String detail) {
        return new GatewayException(422, detail, Map.of("detail", detail));
    }

    public static GatewayException notFound(String detail) {
        return new GatewayException(404, detail, Map.of("detail", detail));
    }

    public static GatewayException modelServer(String detail) {
        return new GatewayException(MODEL_SERVER_ERROR, detail, Map.of("detail", detail));
    }

    public static GatewayException unavailable(String detail) {
        return new GatewayException(503, detail, Map.of("detail", detail));
    }

    /**
     * 503 for a failure of model-adapter itself (unreachable, its own 5xx, no answer in time): these,
     * and only these, count towards opening its circuit breaker. {@code detail} names model-adapter
     * and holds no internal address or exception text.
     */
    public static GatewayException adapterFailed(String detail) {
        return new GatewayException(503, detail, Map.of("detail", detail), true);
    }

    /** Whether model-adapter itself failed ({@link #adapterFailed}), as opposed to a model or the caller. */
    public boolean adapterFault() {
        return adapterFault;
    }

    public int status() {
        return status;
    }

    public Object body() {
        return body;
    }
}
