package dev.enclave.simulator;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Everything the request handlers share: fixed configuration plus the knobs tests turn at run time. */
final class SimulatorState {

    final List<String> models;
    final Personality personality;
    final String awsRegion;
    private volatile String apiKey;
    final FaultPlan faults = new FaultPlan();
    final RequestLog requestLog = new RequestLog();
    final StreamCounters streams = new StreamCounters();
    /** Vertex AI: the access tokens issued and when each expires. */
    final Map<String, Instant> accessTokens = new ConcurrentHashMap<>();
    private volatile long latencyMs;
    private volatile long tokenDelayMs;
    private volatile long tokenLifetimeSeconds = DEFAULT_TOKEN_LIFETIME_SECONDS;
    /**
     * Whether a refused key is quoted back in the 401's message, as some providers do ("Incorrect API
     * key provided: sk-…"): the worst case for a caller that relays error messages.
     */
    private volatile boolean echoKeyInErrors;
    /** Google's access tokens live an hour, reported as {@code expires_in: 3599}. */
    static final long DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;

    SimulatorState(SimulatorConfig config) {
        this.models = config.models();
        this.personality = config.personality();
        this.awsRegion = config.awsRegion();
        this.apiKey = config.apiKey();
        this.latencyMs = config.latencyMs();
        this.tokenDelayMs = config.tokenDelayMs();
    }

    /** @return the key callers must present, or null when none is required */
    String apiKey() {
        return apiKey;
    }

    /** Simulates the model server's key being rotated; null or empty means no key is required. */
    void setApiKey(String apiKey) {
        String key = apiKey == null || apiKey.isEmpty() ? null : apiKey;
        SimulatorConfig.requireKeyFormat(personality, key);
        this.apiKey = key;
    }

    boolean echoKeyInErrors() {
        return echoKeyInErrors;
    }

    void setEchoKeyInErrors(boolean echo) {
        this.echoKeyInErrors = echo;
    }

    /** The 401's message: {@code refusal}, with the presented key quoted when {@link #echoKeyInErrors()}. */
    String refusal(String refusal, String presentedKey) {
        return echoKeyInErrors && presentedKey != null ? refusal + " (key provided: " + presentedKey + ")" : refusal;
    }

    long latencyMs() {
        return latencyMs;
    }

    void setLatencyMs(long latencyMs) {
        SimulatorConfig.requireNonNegative("latencyMs", latencyMs);
        this.latencyMs = latencyMs;
    }

    long tokenLifetimeSeconds() {
        return tokenLifetimeSeconds;
    }

    void setTokenLifetimeSeconds(long seconds) {
        if (seconds < 1) {
            throw new IllegalArgumentException("token lifetime must be at least 1 second, got " + seconds);
        }
        this.tokenLifetimeSeconds = seconds;
    }

    long tokenDelayMs() {
        return tokenDelayMs;
    }

    void setTokenDelayMs(long tokenDelayMs) {
        SimulatorConfig.requireNonNegative("tokenDelayMs", tokenDelayMs);
        this.tokenDelayMs = tokenDelayMs;
    }
}
