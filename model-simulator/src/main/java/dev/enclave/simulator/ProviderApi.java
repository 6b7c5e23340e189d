package dev.enclave.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * What differs between personalities: the routes, how a caller proves it holds the key, and the
 * shape of every error. The {@link Router} does the rest the same way for all of them.
 */
abstract class ProviderApi {

    final SimulatorState state;

    ProviderApi(SimulatorState state) {
        this.state = state;
    }

    static ProviderApi of(Personality personality, SimulatorState state) {
        return switch (personality) {
            case VLLM -> new VllmApi(state);
            case MISTRAL -> new MistralApi(state);
            case ANTHROPIC -> new AnthropicApi(state);
            case AZURE_OPENAI -> new AzureOpenAiApi(state);
            case BEDROCK -> new BedrockApi(state);
            case VERTEX_AI -> new VertexApi(state);
        };
    }

    abstract List<Route> routes();

    /** Paths of the provider's API: recorded, and authenticated before they are routed. */
    abstract boolean isApiPath(String rawPath);

    /**
     * Checks the caller's credentials (only called when a key is configured).
     *
     * @return false when the request was refused and the refusal already sent
     */
    abstract boolean authenticate(HttpExchange exchange, String rawPath, String body) throws IOException;

    /** Sends the error in the provider's shape, with the status the provider would use. */
    abstract void sendError(HttpExchange exchange, ApiException error) throws IOException;

    /** FastAPI's answer for an unknown path; personalities on other stacks override it. */
    void sendNotFound(HttpExchange exchange) throws IOException {
        HttpIo.sendJson(exchange, 404, Json.MAPPER.createObjectNode().put("detail", "Not Found"));
    }

    void sendMethodNotAllowed(HttpExchange exchange, String allowed) throws IOException {
        exchange.getResponseHeaders().set("Allow", allowed);
        HttpIo.sendJson(exchange, 405, Json.MAPPER.createObjectNode().put("detail", "Method Not Allowed"));
    }

    /** Compares in constant time, so the simulator does not teach callers the key byte by byte. */
    static boolean sameSecret(String presented, String expected) {
        return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    static ObjectNode object() {
        return Json.MAPPER.createObjectNode();
    }
}
