package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

/**
 * {@code POST /__simulator/faults}: the HTTP face of {@link FaultPlan} and the latency knobs, for
 * scripted tests against a simulator running in another process. The whole body is validated
 * before anything is applied; {@code clear} is applied first.
 */
final class FaultControlHandler implements Endpoint {

    static final int DEFAULT_FAILURE_STATUS = 503;
    private static final Set<String> FIELDS = Set.of(
            "clear", "fail_next", "status", "drop_next", "drop_mid_stream", "fail_mid_stream", "latency_ms", "token_delay_ms", "api_key",
            "echo_key_in_errors");

    private final SimulatorState state;

    FaultControlHandler(SimulatorState state) {
        this.state = state;
    }

    @Override
    public void handle(HttpExchange exchange, String body) throws IOException, ApiException {
        ObjectNode json = Json.parseObject(body);
        if (json.isEmpty()) {
            throw ApiException.badRequest("Expected at least one of " + FIELDS);
        }
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ApiException.badRequest("Unknown field `" + name + "`; expected one of " + FIELDS);
            }
        }
        RequestFields fields = new RequestFields(json);
        boolean clear = fields.optionalBoolean("clear", false);
        Integer failNext = nonNegativeInt(fields, "fail_next");
        Integer status = fields.optionalInt("status");
        if (status != null && failNext == null) {
            throw ApiException.badRequest("status is only valid together with fail_next");
        }
        int failureStatus = status == null ? DEFAULT_FAILURE_STATUS : status;
        if (failureStatus < 400 || failureStatus > 599) {
            throw ApiException.badRequest("status must be between 400 and 599, got " + failureStatus + ".");
        }
        Integer dropNext = nonNegativeInt(fields, "drop_next");
        Integer dropMidStream = nonNegativeInt(fields, "drop_mid_stream");
        Integer failMidStream = nonNegativeInt(fields, "fail_mid_stream");
        Integer latencyMs = nonNegativeInt(fields, "latency_ms");
        Integer tokenDelayMs = nonNegativeInt(fields, "token_delay_ms");
        JsonNode echoKey = json.get("echo_key_in_errors");
        if (echoKey != null && !echoKey.isBoolean()) {
            throw ApiException.badRequest("echo_key_in_errors must be true or false");
        }

        JsonNode apiKey = json.get("api_key");
        if (apiKey != null && !apiKey.isTextual() && !apiKey.isNull()) {
            throw ApiException.badRequest("api_key must be a string (empty or null: no key required)");
        }
        if (apiKey != null && apiKey.isTextual() && !apiKey.asText().isEmpty()) {
            try {
                SimulatorConfig.requireKeyFormat(state.personality, apiKey.asText());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
        }

        FaultPlan faults = state.faults;
        if (clear) {
            faults.clear();
        }
        if (failNext != null) {
            faults.failNext(failNext, failureStatus);
        }
        if (dropNext != null) {
            faults.dropNext(dropNext);
        }
        if (dropMidStream != null) {
            faults.dropMidStream(dropMidStream);
        }
        if (failMidStream != null) {
            faults.failMidStream(failMidStream);
        }
        if (latencyMs != null) {
            state.setLatencyMs(latencyMs);
        }
        if (tokenDelayMs != null) {
            state.setTokenDelayMs(tokenDelayMs);
        }
        if (echoKey != null) {
            state.setEchoKeyInErrors(echoKey.asBoolean());
        }
        if (apiKey != null) {
            state.setApiKey(apiKey.isNull() ? null : apiKey.asText());
        }
        HttpIo.sendNoContent(exchange);
    }

    private static Integer nonNegativeInt(RequestFields fields, String name) throws ApiException {
        Integer value = fields.optionalInt(name);
        if (value != null && value < 0) {
            throw ApiException.badRequest(name + " must not be negative, got " + value + ".");
        }
        return value;
    }
}
