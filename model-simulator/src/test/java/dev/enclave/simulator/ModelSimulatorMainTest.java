package dev.enclave.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelSimulatorMainTest {

    @Test
    void defaultsMatchTheDocumentedOnes() {
        SimulatorConfig config = ModelSimulatorMain.parse(new String[0], Map.of());

        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.port()).isEqualTo(8000);
        assertThat(config.apiKey()).isNull();
        assertThat(config.models()).containsExactly("codestral-22b");
        assertThat(config.latencyMs()).isZero();
        assertThat(config.tokenDelayMs()).isZero();
    }

    @Test
    void readsEnvironmentAndFlagsWin() {
        Map<String, String> env = Map.of(
                "SIM_HOST", "0.0.0.0", "SIM_PORT", "9000", "SIM_API_KEY", "env-key",
                "SIM_MODELS", "a, b", "SIM_LATENCY_MS", "5", "SIM_TOKEN_DELAY_MS", "6");

        SimulatorConfig fromEnv = ModelSimulatorMain.parse(new String[0], env);
        SimulatorConfig fromFlags = ModelSimulatorMain.parse(new String[] {
                "--port", "9100", "--api-key=flag-key", "--models", "c", "--latency-ms=7", "--token-delay-ms", "8"}, env);

        assertThat(fromEnv.host()).isEqualTo("0.0.0.0");
        assertThat(fromEnv.port()).isEqualTo(9000);
        assertThat(fromEnv.apiKey()).isEqualTo("env-key");
        assertThat(fromEnv.models()).containsExactly("a", "b");
        assertThat(fromEnv.latencyMs()).isEqualTo(5);
        assertThat(fromEnv.tokenDelayMs()).isEqualTo(6);
        assertThat(fromFlags.host()).isEqualTo("0.0.0.0");
        assertThat(fromFlags.port()).isEqualTo(9100);
        assertThat(fromFlags.apiKey()).isEqualTo("flag-key");
        assertThat(fromFlags.models()).containsExactly("c");
        assertThat(fromFlags.latencyMs()).isEqualTo(7);
        assertThat(fromFlags.tokenDelayMs()).isEqualTo(8);
    }

    @Test
    void personalityAndRegionComeFromFlagsOrEnvironment() {
        SimulatorConfig config = ModelSimulatorMain.parse(new String[] {"--personality", "bedrock",
                "--api-key", "AKID:secret"}, Map.of("SIM_AWS_REGION", "eu-west-1"));

        assertThat(config.personality()).isEqualTo(Personality.BEDROCK);
        assertThat(config.awsRegion()).isEqualTo("eu-west-1");
        assertThat(ModelSimulatorMain.parse(new String[0], Map.of()).personality()).isEqualTo(Personality.VLLM);
    }

    @Test
    void rejectsBadPersonalitiesAndBedrockKeysWithoutRepeatingTheKey() {
        assertThatThrownBy(() -> ModelSimulatorMain.parse(new String[] {"--personality", "gemini"}, Map.of()))
                .hasMessageContaining("unknown personality 'gemini'");
        assertThatThrownBy(() -> ModelSimulatorMain.parse(
                new String[] {"--personality", "bedrock", "--api-key", "just-a-secret"}, Map.of()))
                .hasMessageContaining("ACCESS_KEY_ID:SECRET_ACCESS_KEY")
                .hasMessageNotContaining("just-a-secret");
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> ModelSimulatorMain.parse(new String[] {"--verbose"}, Map.of()))
                .hasMessageContaining("unknown option --verbose");
        assertThatThrownBy(() -> ModelSimulatorMain.parse(new String[] {"--port"}, Map.of()))
                .hasMessageContaining("--port needs a value");
        assertThatThrownBy(() -> ModelSimulatorMain.parse(new String[] {"--port", "http"}, Map.of()))
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> ModelSimulatorMain.parse(new String[] {"--port", "70000"}, Map.of()))
                .hasMessageContaining("between 0 and 65535");
        assertThatThrownBy(() -> ModelSimulatorMain.parse(new String[] {"--latency-ms", "-1"}, Map.of()))
                .hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> ModelSimulatorMain.parse(new String[] {"--models", "a,,b"}, Map.of()))
                .hasMessageContaining("must not be blank");
    }

    @Test
    void startupLineTellsWhetherAKeyIsNeededButNeverShowsIt() {
        SimulatorConfig config = SimulatorConfig.builder()
                .port(0).apiKey("super-secret").models(List.of("codestral-22b", "tiny")).build();
        try (ModelSimulator sim = ModelSimulator.start(config)) {
            String line = ModelSimulatorMain.startupLine(sim);

            assertThat(line).isEqualTo("model-simulator listening on http://127.0.0.1:" + sim.port()
                    + "/v1 (models: codestral-22b,tiny, api key required: yes)");
            assertThat(line).doesNotContain("super-secret");
        }
        try (ModelSimulator sim = ModelSimulator.start(SimulatorConfig.builder().port(0).build())) {
            assertThat(ModelSimulatorMain.startupLine(sim)).endsWith("api key required: no)");
        }
        try (ModelSimulator sim = ModelSimulator.start(SimulatorConfig.builder().port(0)
                .personality(Personality.ANTHROPIC).build())) {
            assertThat(ModelSimulatorMain.startupLine(sim)).isEqualTo("model-simulator listening on http://127.0.0.1:"
                    + sim.port() + " (anthropic, models: codestral-22b, api key required: no)");
        }
    }
}
