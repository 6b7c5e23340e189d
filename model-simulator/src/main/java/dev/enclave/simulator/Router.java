package dev.enclave.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The single {@link HttpHandler}: records {@code /v1/*} requests, applies the simulated latency,
 * enforces the API key the way vLLM's middleware does (every path starting with {@code /v1}, before
 * routing), then dispatches by exact path.
 */
final class Router implements HttpHandler {

    private static final System.Logger LOG = System.getLogger(Router.class.getName());

    private record Route(String method, Endpoint endpoint, boolean inference) {
    }

    private final SimulatorState state;
    private final Map<String, Route> routes;

    Router(SimulatorState state) {
        this.state = state;
        this.routes = Map.of(
                "/v1/models", new Route("GET", new ModelsHandler(state), false),
                "/v1/completions", new Route("POST", new CompletionsHandler(state), true),
                "/v1/chat/completions", new Route("POST", new ChatCompletionsHandler(state), true),
                "/health", new Route("GET", Router::health, false),
                "/__simulator/faults", new Route("POST", new FaultControlHandler(state), false));
    }

    /**
     * An {@link IOException} (client gone, or {@link HttpIo.DropConnection}) deliberately escapes
     * without closing the exchange: {@code HttpServer} then closes the socket mid-response.
     */
    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            dispatch(exchange);
        } catch (ApiException e) {
            HttpIo.sendJson(exchange, e.status(), e.body());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "model-simulator failed to handle " + exchange.getRequestURI(), e);
            if (exchange.getResponseCode() != -1) {
                throw e;
            }
            HttpIo.sendJson(exchange, 500, ApiException.internal("Internal simulator error: " + e).body());
        }
        exchange.close();
    }

    private void dispatch(HttpExchange exchange) throws IOException, ApiException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        String body = HttpIo.readBody(exchange);
        boolean api = path.startsWith("/v1");
        if (api) {
            state.requestLog.add(record(exchange, path, body));
        }
        Route route = routes.get(path);
        if (route != null && route.inference()) {
            HttpIo.sleep(state.latencyMs());
        }
        if (api && !authorized(exchange)) {
            HttpIo.sendJson(exchange, 401, object("error", "Unauthorized"));
            return;
        }
        if (route == null) {
            HttpIo.sendJson(exchange, 404, object("detail", "Not Found"));
            return;
        }
        if (!route.method().equals(method)) {
            exchange.getResponseHeaders().set("Allow", route.method());
            HttpIo.sendJson(exchange, 405, object("detail", "Method Not Allowed"));
            return;
        }
        route.endpoint().handle(exchange, body);
    }

    private boolean authorized(HttpExchange exchange) {
        String apiKey = state.apiKey();
        if (apiKey == null) {
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8));
    }

    private static RecordedRequest record(HttpExchange exchange, String path, String body) {
        Map<String, List<String>> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach(
                (name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        return new RecordedRequest(exchange.getRequestMethod(), path, Map.copyOf(headers), body, Json.tryParse(body));
    }

    private static void health(HttpExchange exchange, String body) throws IOException {
        HttpIo.sendJson(exchange, 200, object("status", "ok"));
    }

    private static ObjectNode object(String field, String value) {
        return Json.MAPPER.createObjectNode().put(field, value);
    }
}
