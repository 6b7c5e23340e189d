package dev.enclave.simulator;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process HTTP server that answers like vLLM's OpenAI-compatible API, with deterministic
 * output and injectable faults. A development and test tool only; see the module README.
 *
 * <pre>{@code
 * try (ModelSimulator sim = ModelSimulator.start(SimulatorConfig.builder().port(0).build())) {
 *     String baseUrl = sim.baseUrl(); // http://127.0.0.1:<port>/v1
 * }
 * }</pre>
 */
public final class ModelSimulator implements AutoCloseable {

    static {
        // HttpServer sends response headers and body as separate packets; with Nagle's algorithm on,
        // the body waits for the client's delayed ACK, adding ~40 ms to every response. HttpServer
        // reads this flag once per JVM, so it must be set before the first server is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final SimulatorConfig config;
    private final SimulatorState state;
    private final HttpServer server;
    private final ExecutorService executor;
    private boolean closed;

    private ModelSimulator(SimulatorConfig config, SimulatorState state, HttpServer server, ExecutorService executor) {
        this.config = config;
        this.state = state;
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds and starts serving.
     *
     * @throws UncheckedIOException if the address cannot be bound
     */
    public static ModelSimulator start(SimulatorConfig config) {
        SimulatorState state = new SimulatorState(config);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "model-simulator cannot listen on " + config.host() + ":" + config.port(), e);
        }
        ExecutorService executor = Executors.newCachedThreadPool(daemonThreads());
        server.setExecutor(executor);
        server.createContext("/", new Router(state, ProviderApi.of(config.personality(), state)));
        server.start();
        return new ModelSimulator(config, state, server, executor);
    }

    /** Daemon threads, so an embedded simulator someone forgot to close never keeps a JVM alive. */
    private static ThreadFactory daemonThreads() {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "model-simulator-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    public SimulatorConfig config() {
        return config;
    }

    /** The bound port (the real one when the config asked for port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * The URL a client is configured with, as the provider documents its base URL:
     * {@code http://<host>:<port>/v1} for vLLM and Mistral, {@code http://<host>:<port>} for
     * Anthropic, Azure OpenAI, Bedrock and Vertex AI (whose paths start with {@code /v1/messages},
     * {@code /openai/…}, {@code /model/…} and {@code /v1/projects/…}; Vertex's token endpoint is
     * {@code <origin>/token}).
     */
    public String baseUrl() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        String origin = "http://" + host + ":" + port();
        return switch (config.personality()) {
            case VLLM, MISTRAL -> origin + "/v1";
            case ANTHROPIC, AZURE_OPENAI, BEDROCK, VERTEX_AI -> origin;
        };
    }

    public FaultPlan faults() {
        return state.faults;
    }

    public long latencyMs() {
        return state.latencyMs();
    }

    /** Sleep before the first byte of every completion response; applies to requests arriving from now on. */
    public void setLatencyMs(long latencyMs) {
        state.setLatencyMs(latencyMs);
    }

    public long tokenDelayMs() {
        return state.tokenDelayMs();
    }

    /** Sleep between consecutive chunks of streamed responses. */
    public void setTokenDelayMs(long tokenDelayMs) {
        state.setTokenDelayMs(tokenDelayMs);
    }

    /**
     * Simulates rotating the model server's key: from now on only {@code apiKey} is accepted (null: none).
     *
     * @throws IllegalArgumentException when a Bedrock key is not {@code ACCESS_KEY_ID:SECRET_ACCESS_KEY}
     */
    public void setApiKey(String apiKey) {
        state.setApiKey(apiKey);
    }

    /**
     * Quote a refused key back in the 401's message (as providers such as OpenAI do), so that a test
     * can show its caller does not pass the key on; off by default.
     */
    public void setEchoKeyInErrors(boolean echo) {
        state.setEchoKeyInErrors(echo);
    }

    /**
     * Vertex AI: how long access tokens issued from now on live ({@code expires_in}); the default is
     * Google's 3599 seconds. Tokens are refused once expired.
     */
    public void setTokenLifetimeSeconds(long seconds) {
        state.setTokenLifetimeSeconds(seconds);
    }

    /** Vertex AI: Google revoking every access token issued so far; calls with them get 401 from now on. */
    public void revokeTokens() {
        state.accessTokens.clear();
    }

    /** The last {@value RequestLog#CAPACITY} requests to the personality's API paths, oldest first. */
    public List<RecordedRequest> recordedRequests() {
        return state.requestLog.snapshot();
    }

    public void clearRecorded() {
        state.requestLog.clear();
    }

    /**
     * How many streamed responses started, completed, were cancelled by their client, were cut or
     * failed by a mid-stream fault, and are running now. Tests poll it, e.g. to see a client's
     * disconnect stop the stream.
     */
    public StreamStats streamStats() {
        return state.streams.snapshot();
    }

    /** Zeroes the stream totals ({@code inFlight} keeps counting the streams still running). */
    public void resetStreamStats() {
        state.streams.reset();
    }

    /** Stops listening, closes open connections and interrupts requests in flight. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
    }
}
