package dev.enclave.simulator;

import java.util.List;
import java.util.Objects;

/** Immutable start-up settings of a {@link ModelSimulator}; build one with {@link #builder()}. */
public final class SimulatorConfig {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8000;
    public static final List<String> DEFAULT_MODELS = List.of("codestral-22b");
    public static final String DEFAULT_AWS_REGION = "us-east-1";

    private final String host;
    private final int port;
    private final String apiKey;
    private final List<String> models;
    private final long latencyMs;
    private final long tokenDelayMs;
    private final Personality personality;
    private final String awsRegion;

    private SimulatorConfig(Builder builder) {
        this.host = builder.host;
        this.port = builder.port;
        this.apiKey = builder.apiKey;
        this.models = builder.models;
        this.latencyMs = builder.latencyMs;
        this.tokenDelayMs = builder.tokenDelayMs;
        this.personality = builder.personality;
        this.awsRegion = builder.awsRegion;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String host() {
        return host;
    }

    /** The requested port; 0 means "any free port" (ask {@link ModelSimulator#port()} for the bound one). */
    public int port() {
        return port;
    }

    /**
     * The key every API request must carry (in the header the personality's provider uses), or
     * {@code null} when no auth is required. For {@link Personality#BEDROCK} it is
     * {@code ACCESS_KEY_ID:SECRET_ACCESS_KEY}, and requests must be SigV4-signed with it.
     */
    public String apiKey() {
        return apiKey;
    }

    public boolean apiKeyRequired() {
        return apiKey != null;
    }

    /** Served model ids, in the order {@code GET /v1/models} lists them. */
    public List<String> models() {
        return models;
    }

    public long latencyMs() {
        return latencyMs;
    }

    public long tokenDelayMs() {
        return tokenDelayMs;
    }

    public Personality personality() {
        return personality;
    }

    /** The region SigV4 signatures must be scoped to; only the {@link Personality#BEDROCK} personality uses it. */
    public String awsRegion() {
        return awsRegion;
    }

    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String apiKey;
        private List<String> models = DEFAULT_MODELS;
        private long latencyMs;
        private long tokenDelayMs;
        private Personality personality = Personality.VLLM;
        private String awsRegion = DEFAULT_AWS_REGION;

        private Builder() {
        }

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** {@code null} or empty disables authentication. */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey;
            return this;
        }

        public Builder models(List<String> models) {
            this.models = List.copyOf(Objects.requireNonNull(models, "models"));
            return this;
        }

        /** Sleep before the first byte of every completion response. */
        public Builder latencyMs(long latencyMs) {
            this.latencyMs = latencyMs;
            return this;
        }

        /** Sleep between consecutive chunks of a streamed response. */
        public Builder tokenDelayMs(long tokenDelayMs) {
            this.tokenDelayMs = tokenDelayMs;
            return this;
        }

        public Builder personality(Personality personality) {
            this.personality = Objects.requireNonNull(personality, "personality");
            return this;
        }

        public Builder awsRegion(String awsRegion) {
            this.awsRegion = Objects.requireNonNull(awsRegion, "awsRegion");
            return this;
        }

        /** @throws IllegalArgumentException if a setting is out of range */
        public SimulatorConfig build() {
            if (host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
            }
            if (models.isEmpty()) {
                throw new IllegalArgumentException("at least one model id is required");
            }
            if (models.stream().anyMatch(String::isBlank)) {
                throw new IllegalArgumentException("model ids must not be blank");
            }
            if (models.stream().distinct().count() != models.size()) {
                throw new IllegalArgumentException("model ids must be unique: " + models);
            }
            requireNonNegative("latencyMs", latencyMs);
            requireNonNegative("tokenDelayMs", tokenDelayMs);
            requireKeyFormat(personality, apiKey);
            if (!awsRegion.matches("[a-z0-9-]+")) {
                throw new IllegalArgumentException("awsRegion must look like us-east-1, got '" + awsRegion + "'");
            }
            return new SimulatorConfig(this);
        }
    }

    /**
     * Bedrock's "key" is an AWS access key pair, Vertex AI's a service-account JSON key file; the
     * message never repeats the key.
     */
    static void requireKeyFormat(Personality personality, String apiKey) {
        if (personality == Personality.VERTEX_AI && apiKey != null) {
            ServiceAccountKey.parse(apiKey);
        }
        if (personality == Personality.BEDROCK && apiKey != null) {
            String[] parts = apiKey.split(":", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new IllegalArgumentException(
                        "the bedrock personality's api key must be ACCESS_KEY_ID:SECRET_ACCESS_KEY");
            }
        }
    }

    static void requireNonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
    }
}
