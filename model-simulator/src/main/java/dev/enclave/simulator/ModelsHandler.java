package dev.enclave.simulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Instant;

/** {@code GET /v1/models}. */
final class ModelsHandler implements Endpoint {

    private final SimulatorState state;

    ModelsHandler(SimulatorState state) {
        this.state = state;
    }

    @Override
    public void handle(HttpExchange exchange, String body) throws IOException {
        long created = Instant.now().getEpochSecond();
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("object", "list");
        ArrayNode data = response.putArray("data");
        for (String model : state.models) {
            ObjectNode card = data.addObject();
            card.put("id", model);
            card.put("object", "model");
            card.put("created", created);
            card.put("owned_by", "vllm");
            card.put("root", model);
            card.putNull("parent");
            card.put("max_model_len", InferenceHandler.MAX_MODEL_LEN);
            card.putArray("permission");
        }
        HttpIo.sendJson(exchange, 200, response);
    }
}
