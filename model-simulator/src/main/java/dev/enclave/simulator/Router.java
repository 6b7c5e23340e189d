package dev.enclave.simulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The single {@link HttpHandler}: records the personality's API requests, applies the simulated
 * latency, enforces the API key the way the provider does (on every API path, before routing),
 * then dispatches by path. {@code /health}, {@code /__simulator/faults},
 * {@code /__simulator/streams} and {@code /__simulator/requests} are the same for every personality
 * and never need the key.
 */
final class Router implements HttpHandler {

    private static final System.Logger LOG = System.getLogger(Router.class.getName());
    static final String STREAMS = "/__simulator/streams";
    static final String REQUESTS = "/__simulator/requests";

    private final SimulatorState state;
    private final ProviderApi api;
    private final List<Route> routes;

    Router(SimulatorState state, ProviderApi api) {
        this.state = state;
        this.api = api;
        this.routes = new ArrayList<>(api.routes());
        this.routes.add(new Route("GET", "/health", Router::health, false));
        this.routes.add(new Route("POST", "/__simulator/faults", new FaultControlHandler(state), false));
        this.routes.add(new Route("GET", STREAMS, this::streamStats, false));
        this.routes.add(new Route("DELETE", STREAMS, this::resetStreamStats, false));
        RecordedRequestsHandler recorded = new RecordedRequestsHandler(state.requestLog);
        this.routes.add(new Route("GET", REQUESTS, recorded::list, false));
        this.routes.add(new Route("DELETE", REQUESTS, recorded::clear, false));
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
            api.sendError(exchange, e);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "model-simulator failed to handle " + exchange.getRequestURI(), e);
            if (exchange.getResponseCode() != -1) {
                throw e;
            }
            api.sendError(exchange, ApiException.internal("Internal simulator error: " + e));
        }
        exchange.close();
    }

    private void dispatch(HttpExchange exchange) throws IOException, ApiException {
        String path = exchange.getRequestURI().getRawPath();
        String method = exchange.getRequestMethod();
        String body = HttpIo.readBody(exchange);
        boolean control = "/health".equals(path) || "/__simulator/faults".equals(path) || STREAMS.equals(path)
                || REQUESTS.equals(path);
        boolean apiPath = !control && api.isApiPath(path);
        if (apiPath) {
            state.requestLog.add(record(exchange, path, body));
        }
        Route route = null;
        Map<String, String> params = null;
        List<String> allowed = new ArrayList<>();
        boolean inference = false;
        for (Route candidate : routes) {
            Map<String, String> match = candidate.match(path);
            if (match == null) {
                continue;
            }
            allowed.add(candidate.method());
            inference |= candidate.inference();
            if (candidate.method().equals(method)) {
                route = candidate;
                params = match;
            }
        }
        if (inference) {
            HttpIo.sleep(state.latencyMs());
        }
        if (apiPath && state.apiKey() != null && !api.authenticate(exchange, path, body)) {
            return;
        }
        if (route == null && allowed.isEmpty()) {
            api.sendNotFound(exchange);
            return;
        }
        if (route == null) {
            api.sendMethodNotAllowed(exchange, String.join(", ", allowed));
            return;
        }
        Route.bind(exchange, params);
        route.endpoint().handle(exchange, body);
    }

    private static RecordedRequest record(HttpExchange exchange, String path, String body) {
        Map<String, List<String>> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach(
                (name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        return new RecordedRequest(exchange.getRequestMethod(), path, exchange.getRequestURI().getRawQuery(),
                Map.copyOf(headers), body, Json.tryParse(body));
    }

    /** {@code GET /__simulator/streams}: the {@link StreamStats} as JSON, no auth. */
    private void streamStats(HttpExchange exchange, String body) throws IOException {
        StreamStats stats = state.streams.snapshot();
        HttpIo.sendJson(exchange, 200, Json.MAPPER.createObjectNode()
                .put("started", stats.started())
                .put("completed", stats.completed())
                .put("cancelled", stats.cancelled())
                .put("dropped", stats.dropped())
                .put("failed", stats.failed())
                .put("in_flight", stats.inFlight()));
    }

    /** {@code DELETE /__simulator/streams}: zeroes the totals; {@code in_flight} keeps counting. */
    private void resetStreamStats(HttpExchange exchange, String body) throws IOException {
        state.streams.reset();
        HttpIo.sendNoContent(exchange);
    }

    private static void health(HttpExchange exchange, String body) throws IOException {
        HttpIo.sendJson(exchange, 200, Json.MAPPER.createObjectNode().put("status", "ok"));
    }
}
