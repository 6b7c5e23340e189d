package dev.enclave.adapter.service;

import dev.enclave.adapter.rest.AdapterWire;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The span of one model call, a child of the adapter's server span, with the OpenTelemetry GenAI
 * semantic-convention attributes ({@code gen_ai.system}, {@code gen_ai.operation.name},
 * {@code gen_ai.request.model}, {@code gen_ai.response.model}, {@code gen_ai.usage.input_tokens},
 * {@code gen_ai.usage.output_tokens}, {@code gen_ai.response.finish_reasons}) and the feature
 * ({@code enclave.feature}, from the {@code enclave.feature} baggage entry ai-gateway sets). Never a
 * prompt, an answer, a key or an endpoint's query string. It ends once: when the answer is read,
 * when a stream ends, or with the failure.
 */
final class ModelCallSpan {

    /** The baggage entry ai-gateway puts the feature in (W3C baggage travels with the trace context). */
    static final String FEATURE_BAGGAGE = "enclave.feature";

    /** Our provider names → the GenAI conventions' {@code gen_ai.system} values. */
    private static final Map<String, String> SYSTEMS = Map.of(
            "openai_compatible", "openai",
            "azure_openai", "az.ai.openai",
            "anthropic", "anthropic",
            "bedrock", "aws.bedrock",
            "mistral", "mistral_ai",
            "vertex_ai", "vertex_ai");

    private final Span span;
    private final AtomicBoolean ended = new AtomicBoolean();

    private ModelCallSpan(Span span) {
        this.span = span;
    }

    static ModelCallSpan start(Tracer tracer, AdapterWire.GenerateRequest request, String provider, boolean stream) {
        String operation = request.messages() != null ? "chat" : "text_completion";
        String model = request.model().identifier();
        var builder = tracer.spanBuilder(operation + " " + model).setSpanKind(SpanKind.CLIENT)
                .setAttribute("gen_ai.system", SYSTEMS.getOrDefault(provider, provider))
                .setAttribute("gen_ai.operation.name", operation)
                .setAttribute("gen_ai.request.model", model)
                .setAttribute("enclave.provider", provider)
                .setAttribute("enclave.stream", stream);
        if (request.maxTokens() != null) {
            builder.setAttribute("gen_ai.request.max_tokens", request.maxTokens().longValue());
        }
        String feature = Baggage.current().getEntryValue(FEATURE_BAGGAGE);
        if (feature != null && !feature.isBlank()) {
            builder.setAttribute("enclave.feature", feature);
        }
        return new ModelCallSpan(builder.startSpan());
    }

    /** The model answered (whole, or the stream's last event). */
    void finished(String finishReason, String responseModel, AdapterWire.Usage usage) {
        if (finishReason != null) {
            span.setAttribute(io.opentelemetry.api.common.AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"),
                    List.of(finishReason));
        }
        if (responseModel != null) {
            span.setAttribute("gen_ai.response.model", responseModel);
        }
        if (usage != null) {
            if (usage.promptTokens() != null) {
                span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens().longValue());
            }
            if (usage.completionTokens() != null) {
                span.setAttribute("gen_ai.usage.output_tokens", usage.completionTokens().longValue());
            }
        }
        end(null);
    }

    /** Ends the span; a failure marks it as an error with its class (its message may quote the server). */
    void end(Throwable failure) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        if (failure != null) {
            span.setStatus(StatusCode.ERROR);
            span.setAttribute("error.type", failure instanceof dev.enclave.adapter.provider.ModelCallException e
                    ? e.kind().name().toLowerCase(java.util.Locale.ROOT) : failure.getClass().getName());
        }
        span.end();
    }
}
