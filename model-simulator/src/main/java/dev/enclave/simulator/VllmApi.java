package dev.enclave.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** vLLM's OpenAI-compatible server: Bearer key on every {@code /v1} path, errors in vLLM's shape. */
final class VllmApi extends ProviderApi {

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

    VllmApi(SimulatorState state) {
        super(state);
    }

    @Override
    List<Route> routes() {
        return List.of(
                new Route("GET", "/v1/models", new ModelsHandler(state), false),
                new Route("POST", "/v1/completions", new CompletionsHandler(state), true),
                new Route("POST", "/v1/chat/completions", new ChatCompletionsHandler(state), true));
    }

    @Override
    boolean isApiPath(String rawPath) {
        return rawPath.startsWith("/v1");
    }

    /** As vLLM's middleware: {@code Authorization: Bearer <key>}, else 401 {@code {"error":"Unauthorized"}}. */
    @Override
    boolean authenticate(HttpExchange exchange, String rawPath, String body) throws IOException {
        if (sameSecret(exchange.getRequestHeaders().getFirst("Authorization"), "Bearer " + state.apiKey())) {
            return true;
        }
        HttpIo.sendJson(exchange, 401, object().put("error", state.refusal("Unauthorized",
                exchange.getRequestHeaders().getFirst("Authorization"))));
        return false;
    }

    /** {@code {"object":"error","message":..,"type":"BadRequestError","param":null,"code":400}}. */
    @Override
    void sendError(HttpExchange exchange, ApiException error) throws IOException {
        ObjectNode body = object();
        body.put("object", "error");
        body.put("message", error.getMessage());
        body.put("type", TYPES.getOrDefault(error.status(),
                error.status() >= 500 ? "InternalServerError" : "BadRequestError"));
        body.putNull("param");
        body.put("code", error.status());
        HttpIo.sendJson(exchange, error.status(), body);
    }
}
