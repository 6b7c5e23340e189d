package dev.enclave.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** Parses a request body that must be a JSON object. */
    static ObjectNode parseObject(String body) throws ApiException {
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("Invalid JSON body: " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw ApiException.badRequest("Invalid JSON body: the request body is empty");
        }
        if (!node.isObject()) {
            throw ApiException.badRequest("Invalid JSON body: expected a JSON object");
        }
        return (ObjectNode) node;
    }

    /** The body as JSON for the request log, or {@code null} when it is not JSON. */
    static JsonNode tryParse(String body) {
        try {
            JsonNode node = MAPPER.readTree(body);
            return node == null || node.isMissingNode() ? null : node;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }
}
