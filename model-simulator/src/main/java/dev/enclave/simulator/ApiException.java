package dev.enclave.simulator;

/**
 * An error a handler answers with. What it looks like on the wire is the personality's business
 * ({@link ProviderApi#sendError}); this carries only what every shape needs.
 */
final class ApiException extends Exception {

    private final int status;
    /** The provider's own error type or code (e.g. Anthropic's {@code not_found_error}), or null for the default. */
    private final String type;
    /** The request field at fault, for shapes that name it separately (FastAPI's {@code loc}), or null. */
    private final String field;

    private ApiException(int status, String type, String field, String message) {
        // Control flow for expected client errors: no stack trace needed.
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.field = field;
    }

    static ApiException of(int status, String type, String message) {
        return new ApiException(status, type, null, message);
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, null, null, message);
    }

    /** A request field that is missing or malformed; the message reads {@code "<field>: <problem>"}. */
    static ApiException invalidField(String field, String problem) {
        return new ApiException(400, null, field, field + ": " + problem);
    }

    static ApiException modelNotFound(String model) {
        return new ApiException(404, null, null, "The model `" + model + "` does not exist.");
    }

    static ApiException injected(int status) {
        return new ApiException(status, null, null,
                "Simulated failure injected by model-simulator (HTTP " + status + ").");
    }

    static ApiException internal(String message) {
        return new ApiException(500, null, null, message);
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }

    String field() {
        return field;
    }

    /** The part of the message after the field name, for shapes that carry field and text apart. */
    String problem() {
        return field == null ? getMessage() : getMessage().substring(field.length() + 2);
    }
}
