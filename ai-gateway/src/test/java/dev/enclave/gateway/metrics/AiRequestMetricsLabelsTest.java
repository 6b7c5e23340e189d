package dev.enclave.gateway.metrics;

import dev.enclave.gateway.rest.GatewayException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The AI series' labels stay bounded, and a label set's meters are built once. */
class AiRequestMetricsLabelsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AiRequestMetrics metrics = new AiRequestMetrics(registry);

    @Test
    void theModelLabelKeepsTheFirstFiftyIdentifiersThenSaysOther() {
        for (int i = 0; i < AiRequestMetrics.MAX_MODELS; i++) {
            assertThat(metrics.modelLabel("model-" + i)).isEqualTo("model-" + i);
        }
        assertThat(metrics.modelLabel("model-50")).isEqualTo(AiRequestMetrics.OTHER_MODEL);
        // one already seen keeps its own label
        assertThat(metrics.modelLabel("model-7")).isEqualTo("model-7");
        assertThat(metrics.modelLabel(null)).isEqualTo(AiRequestMetrics.NO_MODEL);
        assertThat(metrics.modelLabel(" ")).isEqualTo(AiRequestMetrics.NO_MODEL);
    }

    @Test
    void anOverlongIdentifierIsOther() {
        assertThat(metrics.modelLabel("m".repeat(101))).isEqualTo(AiRequestMetrics.OTHER_MODEL);
    }

    @Test
    void failuresMapToBoundedOutcomes() {
        assertThat(AiRequestMetrics.outcomeOf(GatewayException.forbidden("no"))).isEqualTo(AiRequestMetrics.REFUSED);
        assertThat(AiRequestMetrics.outcomeOf(GatewayException.invalid("f", "bad"))).isEqualTo(AiRequestMetrics.INVALID);
        assertThat(AiRequestMetrics.outcomeOf(GatewayException.modelServer("502: x")))
                .isEqualTo(AiRequestMetrics.MODEL_ERROR);
        assertThat(AiRequestMetrics.outcomeOf(GatewayException.unavailable("x")))
                .isEqualTo(AiRequestMetrics.UNAVAILABLE);
        assertThat(AiRequestMetrics.outcomeOf(new IllegalStateException())).isEqualTo(AiRequestMetrics.ERROR);
    }

    @Test
    void aRequestEndsOnceAndItsMetersAreBuiltOnce() {
        for (int i = 0; i < 3; i++) {
            AiRequestMetrics.Observation observation = metrics.start("complete_code");
            observation.model("codestral");
            observation.chunk();
            observation.chunk();
            observation.usage(10, 4);
            observation.completed();
            // a late cancellation of an answer that ended changes nothing
            observation.cancelled();
        }
        assertThat(registry.find("enclave.ai.requests").tags("feature", "complete_code", "model", "codestral",
                "outcome", "success").counter().count()).isEqualTo(3.0);
        assertThat(registry.find("enclave.ai.requests").tags("outcome", "cancelled").counter()).isNull();
        assertThat(registry.find("enclave.ai.time.to.first.chunk").timer().count()).isEqualTo(3);
        assertThat(registry.find("enclave.ai.input.tokens").counter().count()).isEqualTo(30.0);
        assertThat(registry.find("enclave.ai.output.tokens").counter().count()).isEqualTo(12.0);
        // requests, duration, first chunk, input, output: one meter each for the label set (the simple
        // registry adds gauges of its own for the histograms' buckets)
        assertThat(registry.getMeters().stream().filter(m -> !(m instanceof io.micrometer.core.instrument.Gauge))
                .map(m -> m.getId().getName()).toList()).containsExactlyInAnyOrder("enclave.ai.requests",
                "enclave.ai.request.duration", "enclave.ai.time.to.first.chunk", "enclave.ai.input.tokens",
                "enclave.ai.output.tokens");
    }

    @Test
    void aStreamThatBrokeOffIsNotASuccess() {
        AiRequestMetrics.Observation observation = metrics.start("duo_chat");
        observation.model("mistral");
        observation.chunk();
        observation.brokenOff();
        observation.completed();
        assertThat(registry.find("enclave.ai.requests").tags("outcome", "broken_off").counter().count()).isEqualTo(1.0);
    }
}
