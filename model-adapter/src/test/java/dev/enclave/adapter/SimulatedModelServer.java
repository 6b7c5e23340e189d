package dev.enclave.adapter;

import dev.enclave.simulator.ModelSimulator;
import dev.enclave.simulator.Personality;
import dev.enclave.simulator.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.List;
import java.util.Map;

/**
 * Model servers in the test JVM, one model simulator per provider personality, each speaking that
 * provider's real wire format (paths, auth headers, answers, errors).
 */
public class SimulatedModelServer implements QuarkusTestResourceLifecycleManager {

    static final String API_KEY = "sim-test-key";
    static final String MODEL = "codestral-22b";
    static final String CLAUDE = "claude-3-5-sonnet-20241022";
    static final String AZURE_DEPLOYMENT = "gpt-4o-prod";
    static final String BEDROCK_MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
    static final String AWS_KEY = "AKIDSIMULATEDTEST:simulated/secret+key0123";
    static final String AWS_REGION = "eu-central-1";
    /** The region the adapter falls back to, different from the fake's, so a wrong region shows. */
    static final String CONFIGURED_AWS_REGION = "us-east-1";

    static final String MAX_ANSWER_BYTES = "64K";

    static ModelSimulator simulator;
    static ModelSimulator mistral;
    static ModelSimulator anthropic;
    static ModelSimulator azure;
    static ModelSimulator bedrock;

    @Override
    public Map<String, String> start() {
        simulator = ModelSimulator.start(SimulatorConfig.builder().host("127.0.0.1").port(0).apiKey(API_KEY)
                .models(List.of(MODEL)).build());
        mistral = start(Personality.MISTRAL, API_KEY, "codestral-latest");
        anthropic = start(Personality.ANTHROPIC, API_KEY, CLAUDE);
        azure = start(Personality.AZURE_OPENAI, API_KEY, AZURE_DEPLOYMENT);
        bedrock = ModelSimulator.start(SimulatorConfig.builder().host("127.0.0.1").port(0)
                .personality(Personality.BEDROCK).apiKey(AWS_KEY).awsRegion(AWS_REGION)
                .models(List.of(BEDROCK_MODEL)).build());
        return Map.of("enclave.adapter.read-timeout", "PT4S",
                "enclave.adapter.bedrock.region", CONFIGURED_AWS_REGION,
                // small enough that a test can send a larger answer
                "enclave.adapter.max-answer-bytes", MAX_ANSWER_BYTES);
    }

    private static ModelSimulator start(Personality personality, String key, String model) {
        return ModelSimulator.start(SimulatorConfig.builder().host("127.0.0.1").port(0).personality(personality)
                .apiKey(key).models(List.of(model)).build());
    }

    /** Back to a clean state between tests: no faults, no latency, no recorded requests. */
    static void reset() {
        for (ModelSimulator server : List.of(simulator, mistral, anthropic, azure, bedrock)) {
            server.faults().clear();
            server.clearRecorded();
            server.setLatencyMs(0);
            server.setTokenDelayMs(0);
            server.resetStreamStats();
        }
    }

    /**
     * Waits until a request sent at {@code sentNanos} to a simulator with this latency has woken up.
     * A request the adapter gave up on (a timeout) still sleeps in the simulator, and when it wakes
     * it takes whatever fault is pending: the next test's, on a busy machine.
     */
    static void outlast(long sentNanos, long latencyMs) throws InterruptedException {
        long left = sentNanos + java.time.Duration.ofMillis(latencyMs + 500).toNanos() - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000 + 1);
        }
    }

    @Override
    public void stop() {
        for (ModelSimulator server : new ModelSimulator[] {simulator, mistral, anthropic, azure, bedrock}) {
            if (server != null) {
                server.close();
            }
        }
    }
}
