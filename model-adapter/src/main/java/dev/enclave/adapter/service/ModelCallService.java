package dev.enclave.adapter.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.config.AdapterConfig;
import dev.enclave.adapter.egress.EgressHttpClient;
import dev.enclave.adapter.fault.ModelServerGuards;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.egress.ModelHttpResponse;
import dev.enclave.adapter.provider.ModelCallException;
import dev.enclave.adapter.provider.ModelProvider;
import dev.enclave.adapter.provider.ProviderCall;
import dev.enclave.adapter.stream.StreamOutcome;
import dev.enclave.adapter.stream.StreamParser;
import io.opentelemetry.api.trace.Tracer;
import dev.enclave.adapter.provider.UnexpectedAnswerException;
import dev.enclave.adapter.rest.AdapterWire;
import io.quarkus.arc.All;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One model call: validates it, lets the target's provider build its request, sends it through
 * the egress client, and reads the answer (whole, or streamed as NDJSON events) or the server's
 * reason for refusing. Nothing here waits: results are {@link Uni}s delivered on the caller's context.
 */
@ApplicationScoped
public class ModelCallService {

    private static final Logger LOG = Logger.getLogger(ModelCallService.class);
    private static final String DEFAULT_PROVIDER = "openai_compatible";

    private final Map<String, ModelProvider> providers;
    private final EgressHttpClient http;
    private final ObjectMapper json;
    private final ModelServerGuards guards;
    private final Duration readTimeout;
    private final Duration margin;
    private final double marginRatio;
    private final Duration marginMax;
    private final long maxAnswerBytes;
    /** A stream's line or frame cap: the answer cap, within what an array index can address. */
    private final int maxLineBytes;
    private final Tracer tracer;

    public ModelCallService(@All List<ModelProvider> providers, EgressHttpClient http, ObjectMapper json,
                            AdapterConfig config, ModelServerGuards guards, Tracer tracer) {
        this.tracer = tracer;
        this.providers = providers.stream()
                .collect(Collectors.toMap(ModelProvider::name, Function.identity(), (a, b) -> a, TreeMap::new));
        this.http = http;
        this.json = json;
        this.guards = guards;
        this.readTimeout = config.readTimeout();
        this.margin = config.timeoutMargin();
        this.marginRatio = config.timeoutMarginRatio();
        this.marginMax = config.timeoutMarginMax();
        this.maxAnswerBytes = config.maxAnswerBytes().asLongValue();
        this.maxLineBytes = (int) Math.min(maxAnswerBytes, Integer.MAX_VALUE - 8);
    }

    /**
     * One call whose whole answer is collected (at most {@code enclave.adapter.max-answer-bytes}),
     * through the model endpoint's circuit breaker and bulkhead.
     *
     * @param caller   the context the answer is delivered on (the request's), or null for any thread
     * @param deadline when the call must be over ({@link #deadline})
     * @return the answer, or a failure with a {@link ModelCallException}
     */
    public Uni<AdapterWire.GenerateResponse> generate(AdapterWire.GenerateRequest request, Context caller,
                                                      Deadline deadline) {
        return Uni.createFrom().deferred(() -> {
            Prepared unauthorized = prepare(request, false);
            ModelCallSpan span = ModelCallSpan.start(tracer, request, unauthorized.provider().name(), false);
            // the answer is read inside the guarded call, so that a malformed one counts for the breaker
            return authorize(unauthorized, request, deadline).flatMap(call ->
                            guards.call(call.endpoint(), deadline, true, lease ->
                                    http.post(call.endpoint(), call.call().pathAndQuery(), call.call().headers(),
                                                    call.call().body(), deadline, maxAnswerBytes)
                                            .map(response -> answer(call, request, response))))
                    .invoke(answer -> span.finished(answer.finishReason(), answer.model(), answer.usage()))
                    .onFailure().invoke(span::end)
                    .onCancellation().invoke(() -> span.end(null))
                    .emitOn(executor(caller));
        });
    }

    /** Without a request's deadline: the read timeout from now. */
    public Uni<AdapterWire.GenerateResponse> generate(AdapterWire.GenerateRequest request, Context caller) {
        return generate(request, caller, deadline(System.nanoTime(), null, request));
    }

    /**
     * The call's deadline: the caller's budget ({@code X-Enclave-Timeout-Ms}, or the body's
     * {@code timeout_ms} when smaller) from the request's arrival, less the margin
     * ({@code enclave.adapter.timeout-margin}, growing to {@code timeout-margin-ratio} of the budget, at most {@code timeout-margin-max}),
     * capped by the read timeout.
     */
    public Deadline deadline(long arrivalNanos, Long headerMillis, AdapterWire.GenerateRequest request) {
        return Deadline.of(arrivalNanos, headerMillis, request == null ? null : request.timeoutMs(), readTimeout,
                margin, marginRatio, marginMax);
    }

    /**
     * One call with {@code stream: true}: the provider's own streaming API, its answer read as it
     * comes. Completes once the model server answered 2xx, with the answer as NDJSON lines; an
     * error status, or no answer at all, is a failure with a {@link ModelCallException} as for
     * {@link #generate}.
     *
     * @param requestId the id failures after the 200 are logged with
     */
    public Uni<Flow.Publisher<String>> stream(AdapterWire.GenerateRequest request, Context caller, String requestId,
                                              Deadline deadline) {
        return Uni.createFrom().deferred(() -> {
            Prepared unauthorized = prepare(request, true);
            Executor onCaller = executor(caller);
            ModelCallSpan span = ModelCallSpan.start(tracer, request, unauthorized.provider().name(), true);
            // the stream holds its bulkhead slot until it ends: the lease goes with it
            return authorize(unauthorized, request, deadline).flatMap(call ->
                    guards.<Flow.Publisher<String>>call(call.endpoint(), deadline, false, lease ->
                            http.open(call.endpoint(), call.call().pathAndQuery(), call.call().headers(),
                                            call.call().body(), deadline)
                                    .flatMap(stream -> {
                                        if (stream.status() / 100 == 2) {
                                            return Uni.createFrom().<Flow.Publisher<String>>item(
                                                    new NdjsonEventStream(stream, sink -> call.provider()
                                                            .streamParser(request, observed(sink, span), maxLineBytes),
                                                            json, caller, requestId, request.model().identifier(),
                                                            text -> withoutSecrets(text, request.model().apiKey()),
                                                            failure -> {
                                                                span.end(failure);
                                                                lease.end(failure);
                                                            }));
                                        }
                                        return http.collect(stream, maxAnswerBytes)
                                                .map(response -> refused(call, request, response));
                                    })))
                    .onFailure().invoke(span::end)
                    .onCancellation().invoke(() -> span.end(null))
                    .emitOn(onCaller);
        });
    }

    /** The stream's outcome (finish reason, usage) goes on the model call's span too. */
    private static StreamParser.Sink observed(StreamParser.Sink sink, ModelCallSpan span) {
        return new StreamParser.Sink() {
            @Override
            public void text(String text) {
                sink.text(text);
            }

            @Override
            public void done(StreamOutcome outcome) {
                span.finished(outcome.finishReason(), outcome.model(), outcome.usage());
                sink.done(outcome);
            }
        };
    }

    /** Without a request's deadline: the read timeout from now. */
    public Uni<Flow.Publisher<String>> stream(AdapterWire.GenerateRequest request, Context caller, String requestId) {
        return stream(request, caller, requestId, deadline(System.nanoTime(), null, request));
    }

    private record Prepared(ModelProvider provider, ModelEndpoint endpoint, ProviderCall call, String url) {
    }

    private Prepared prepare(AdapterWire.GenerateRequest request, boolean stream) {
        validate(request);
        String name = request.model().provider() == null ? DEFAULT_PROVIDER : request.model().provider();
        ModelProvider provider = providers.get(name);
        if (provider == null) {
            throw invalid("provider '" + name + "' is not supported by this model-adapter; supported: "
                    + String.join(", ", providers.keySet()));
        }
        ModelEndpoint endpoint = provider.endpoint(request.model());
        ProviderCall call = stream ? provider.streamCall(request, endpoint) : provider.call(request, endpoint);
        return new Prepared(provider, endpoint, call, endpoint.url(call.pathAndQuery()));
    }

    /**
     * The provider's credentials that take a round trip (Vertex AI's access token), got before the
     * model endpoint's breaker and bulkhead: a token endpoint's trouble is not the model server's.
     */
    private static Uni<Prepared> authorize(Prepared call, AdapterWire.GenerateRequest request, Deadline deadline) {
        return call.provider().authorize(call.call(), request, deadline)
                .map(authorized -> new Prepared(call.provider(), call.endpoint(), authorized, call.url()));
    }

    private AdapterWire.GenerateResponse answer(Prepared call, AdapterWire.GenerateRequest request,
                                                ModelHttpResponse response) {
        if (response.status() / 100 != 2) {
            return refused(call, request, response);
        }
        try {
            JsonNode body = json.readTree(response.body());
            if (body == null || !body.isObject()) {
                throw new UnexpectedAnswerException("with something other than a JSON object");
            }
            return call.provider().answer(body, request);
        } catch (IOException e) {
            throw new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, response.status(),
                    "model server at " + call.url() + " answered with invalid JSON");
        } catch (UnexpectedAnswerException e) {
            throw new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, response.status(),
                    "model server at " + call.url() + " answered " + e.getMessage());
        }
    }

    /** An error status, with the reason read from the provider's error shape. */
    private <T> T refused(Prepared call, AdapterWire.GenerateRequest request, ModelHttpResponse response) {
        String reason = withoutSecrets(call.provider().errorReason(response), request.model().apiKey());
        call.provider().refused(request, response.status());
        LOG.infof("Model server %s answered %d: %s", call.url(), response.status(), reason);
        throw new ModelCallException(ModelCallException.Kind.MODEL_SERVER_ERROR, response.status(),
                "model server at " + call.url() + " answered " + response.status() + ": " + reason);
    }

    /** Runs continuations on the caller's context, where its request's log context (the request id) lives. */
    private static Executor executor(Context caller) {
        return caller == null ? Runnable::run : task -> caller.runOnContext(ignored -> task.run());
    }

    /**
     * A model server may quote the key it was given in its error; that must not travel on. Each
     * part of a composite key (Bedrock's {@code id:secret}) is removed too.
     */
    static String withoutSecrets(String text, String apiKey) {
        if (apiKey == null || apiKey.isEmpty()) {
            return text;
        }
        String cleaned = text.replace(apiKey, "[redacted]");
        for (String part : apiKey.split(":")) {
            if (part.length() >= 8) {
                cleaned = cleaned.replace(part, "[redacted]");
            }
        }
        return cleaned;
    }

    private static void validate(AdapterWire.GenerateRequest request) {
        if (request == null || request.model() == null) {
            throw invalid("model is required");
        }
        if (request.model().identifier() == null || request.model().identifier().isBlank()) {
            throw invalid("model.identifier is required");
        }
        if (request.messages() != null && request.messages().isEmpty()) {
            throw invalid("messages must not be empty");
        }
        if ((request.prompt() != null) == (request.messages() != null)) {
            throw invalid("exactly one of prompt and messages is required");
        }
        if (request.maxTokens() != null && request.maxTokens() < 1) {
            throw invalid("max_tokens must be at least 1");
        }
        if (request.timeoutMs() != null && request.timeoutMs() < 1) {
            throw invalid("timeout_ms must be at least 1");
        }
    }

    private static ModelCallException invalid(String message) {
        return new ModelCallException(ModelCallException.Kind.INVALID_REQUEST, null, message);
    }
}
