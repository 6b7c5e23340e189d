package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed, validating access to the fields of a JSON request body. A field that is absent or JSON
 * {@code null} counts as not given, as it does for vLLM's pydantic models.
 */
final class RequestFields {

    private final ObjectNode body;
    /** Prepended to field names in error messages, e.g. {@code "stream_options."} for a nested object. */
    private final String prefix;

    RequestFields(ObjectNode body) {
        this(body, "");
    }

    RequestFields(ObjectNode body, String prefix) {
        this.body = body;
        this.prefix = prefix;
    }

    JsonNode get(String name) {
        JsonNode node = body.get(name);
        return node == null || node.isNull() ? null : node;
    }

    String requiredString(String name) throws ApiException {
        JsonNode node = get(name);
        if (node == null) {
            throw missing(prefix + name);
        }
        if (!node.isTextual()) {
            throw invalid(prefix + name, "a valid string");
        }
        return node.asText();
    }

    Integer optionalInt(String name) throws ApiException {
        JsonNode node = get(name);
        if (node == null) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw invalid(prefix + name, "a valid integer");
        }
        return node.intValue();
    }

    boolean optionalBoolean(String name, boolean defaultValue) throws ApiException {
        JsonNode node = get(name);
        if (node == null) {
            return defaultValue;
        }
        if (!node.isBoolean()) {
            throw invalid(prefix + name, "a valid boolean");
        }
        return node.booleanValue();
    }

    /** Validates an optional number that vLLM requires to be non-negative (e.g. temperature). */
    void optionalNonNegativeNumber(String name) throws ApiException {
        JsonNode node = get(name);
        if (node == null) {
            return;
        }
        if (!node.isNumber()) {
            throw invalid(prefix + name, "a valid number");
        }
        if (node.doubleValue() < 0) {
            throw ApiException.badRequest(prefix + name + " must be non-negative, got " + node.asText() + ".");
        }
    }

    /** A string or list of strings; empty entries are ignored. */
    List<String> stringOrStringList(String name) throws ApiException {
        JsonNode node = get(name);
        List<String> values = new ArrayList<>();
        if (node == null) {
            return values;
        }
        if (node.isTextual()) {
            values.add(node.asText());
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                if (!item.isTextual()) {
                    throw invalid(prefix + name, "a valid string or a list of strings");
                }
                values.add(item.asText());
            }
        } else {
            throw invalid(prefix + name, "a valid string or a list of strings");
        }
        values.removeIf(String::isEmpty);
        return values;
    }

    static ApiException missing(String name) {
        return ApiException.invalidField(name, "Field required");
    }

    static ApiException invalid(String name, String expected) {
        return ApiException.invalidField(name, "Input should be " + expected);
    }
}
