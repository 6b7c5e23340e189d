package dev.enclave.gateway.metrics;

import dev.enclave.gateway.rest.GatewayException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The gateway's AI request series, where an AI request finishes:
 * {@code enclave_ai_requests_total{feature,model,outcome}},
 * {@code enclave_ai_request_duration_seconds{feature,model,outcome}} (histogram),
 * {@code enclave_ai_time_to_first_chunk_seconds{feature,model}} (histogram, streamed answers),
 * {@code enclave_ai_input_tokens_total{feature,model}} and {@code enclave_ai_output_tokens_total{feature,model}}
 * (the model's usage, as model-adapter reports it).
 * <p>
 * Labels are bounded: {@code feature} is the endpoint's unit primitive, {@code outcome} one of
 * {@link #OUTCOMES}, {@code model} the model's identifier, the first {@value #MAX_MODELS} distinct
 * ones as they are, any later one {@code other}. Never a user, a token or an endpoint. The meters
 * of a label set are built once and kept: a request only looks them up.
 */
@ApplicationScoped
public class AiRequestMetrics {

    public static final String SUCCESS = "success";
    /** The caller's token does not allow the feature, or none was given (401, 403). */
    public static final String REFUSED = "refused";
    /** The request itself is wrong (400, 404, 422). */
    public static final String INVALID = "invalid";
    /** The model server failed or refused the call (421, 502, 504). */
    public static final String MODEL_ERROR = "model_error";
    /** model-adapter unavailable, busy, its breaker open, or the deadline passed (503). */
    public static final String UNAVAILABLE = "unavailable";
    /** A stream that failed after its first chunk. */
    public static final String BROKEN_OFF = "broken_off";
    /** The client went away before the answer ended. */
    public static final String CANCELLED = "cancelled";
    public static final String ERROR = "error";
    public static final Set<String> OUTCOMES = Set.of(SUCCESS, REFUSED, INVALID, MODEL_ERROR, UNAVAILABLE,
            BROKEN_OFF, CANCELLED, ERROR);
    /** The model label's value before the model is known (the request failed before it was chosen). */
    public static final String NO_MODEL = "none";
    public static final String OTHER_MODEL = "other";
    static final int MAX_MODELS = 50;
    private static final int MAX_MODEL_LENGTH = 100;
    /** Histogram buckets (seconds) of the request duration and of the time to the first chunk. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

    private final MeterRegistry registry;
    private final Set<String> models = ConcurrentHashMap.newKeySet();
    private final ConcurrentMap<Outcome, Finished> finished = new ConcurrentHashMap<>();
    private final ConcurrentMap<Target, PerModel> perModel = new ConcurrentHashMap<>();

    private record Target(String feature, String model) {
    }

    private record Outcome(String feature, String model, String outcome) {
    }

    private record Finished(Counter requests, Timer duration) {
    }

    private record PerModel(Timer firstChunk, Counter input, Counter output) {
    }

    public AiRequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A request for {@code feature} (its unit primitive) begins now. */
    public Observation start(String feature) {
        return new Observation(this, feature, System.nanoTime());
    }

    /** The model label for an identifier: bounded (see the class comment). */
    String modelLabel(String identifier) {
        if (identifier == null || identifier.isBlank()) {
            return NO_MODEL;
        }
        if (models.contains(identifier)) {
            return identifier;
        }
        if (identifier.length() > MAX_MODEL_LENGTH || models.size() >= MAX_MODELS) {
            return OTHER_MODEL;
        }
        models.add(identifier);
        return identifier;
    }

    /** The outcome of a request that failed with {@code failure}. */
    public static String outcomeOf(Throwable failure) {
        if (failure instanceof GatewayException e) {
            return switch (e.status()) {
                case 401, 403 -> REFUSED;
                case 400, 404, 422 -> INVALID;
                case GatewayException.MODEL_SERVER_ERROR, 502, 504 -> MODEL_ERROR;
                case 503 -> UNAVAILABLE;
                default -> ERROR;
            };
        }
        return ERROR;
    }

    private Finished finished(String feature, String model, String outcome) {
        Outcome key = new Outcome(feature, model, outcome);
        Finished meters = finished.get(key);
        return meters != null ? meters : finished.computeIfAbsent(key, k -> new Finished(
                Counter.builder("enclave.ai.requests").description("AI requests, by how they ended")
                        .tags("feature", feature, "model", model, "outcome", outcome).register(registry),
                Timer.builder("enclave.ai.request.duration")
                        .description("AI requests' duration, until the answer's last byte")
                        .tags("feature", feature, "model", model, "outcome", outcome)
                        .serviceLevelObjectives(BUCKETS).register(registry)));
    }

    private PerModel perModel(String feature, String model) {
        Target key = new Target(feature, model);
        PerModel meters = perModel.get(key);
        return meters != null ? meters : perModel.computeIfAbsent(key, k -> new PerModel(
                Timer.builder("enclave.ai.time.to.first.chunk")
                        .description("Streamed AI answers: time from the request to the answer's first chunk")
                        .tags("feature", feature, "model", model)
                        .serviceLevelObjectives(BUCKETS).register(registry),
                Counter.builder("enclave.ai.input.tokens").description("Tokens of the prompts sent to models")
                        .tags("feature", feature, "model", model).register(registry),
                Counter.builder("enclave.ai.output.tokens").description("Tokens of the models' answers")
                        .tags("feature", feature, "model", model).register(registry)));
    }

    /** One AI request: what it is for, and how it ends (once). Thread-safe. */
    public static final class Observation {

        /** An observation that records nothing (callers outside a request, tests). */
        public static final Observation NONE = new Observation(null, null, 0);

        private final AiRequestMetrics metrics;
        private final String feature;
        private final long startNanos;
        private volatile String model = NO_MODEL;
        private volatile boolean brokenOff;
        private final AtomicBoolean firstChunk = new AtomicBoolean();
        private final AtomicBoolean ended = new AtomicBoolean();

        private Observation(AiRequestMetrics metrics, String feature, long startNanos) {
            this.metrics = metrics;
            this.feature = feature;
            this.startNanos = startNanos;
        }

        /** The model the request goes to (its identifier). */
        public void model(String identifier) {
            if (metrics != null) {
                model = metrics.modelLabel(identifier);
            }
        }

        /** A piece of a streamed answer was written: the first one is timed. */
        public void chunk() {
            if (metrics != null && firstChunk.compareAndSet(false, true)) {
                metrics.perModel(feature, model).firstChunk()
                        .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
            }
        }

        /** The model's usage for one call of the request (null when the model reported none). */
        public void usage(Integer inputTokens, Integer outputTokens) {
            if (metrics == null || (inputTokens == null && outputTokens == null)) {
                return;
            }
            PerModel meters = metrics.perModel(feature, model);
            if (inputTokens != null && inputTokens > 0) {
                meters.input().increment(inputTokens);
            }
            if (outputTokens != null && outputTokens > 0) {
                meters.output().increment(outputTokens);
            }
        }

        /** The stream failed after its first chunk (and was ended with what had been written). */
        public void brokenOff() {
            brokenOff = true;
        }

        /** The answer was written to its end. */
        public void completed() {
            end(brokenOff ? BROKEN_OFF : SUCCESS);
        }

        public void failed(Throwable failure) {
            end(outcomeOf(failure));
        }

        public void cancelled() {
            end(CANCELLED);
        }

        private void end(String outcome) {
            if (metrics == null || !ended.compareAndSet(false, true)) {
                return;
            }
            Finished meters = metrics.finished(feature, model, outcome);
            meters.requests().increment();
            meters.duration().record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        }
    }
}
