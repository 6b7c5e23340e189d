package dev.enclave.adapter;

import dev.enclave.simulator.ModelSimulator;
import dev.enclave.simulator.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.List;
import java.util.Map;

/** A vLLM-compatible model server in the test JVM (the suite's model simulator). */
public class SimulatedModelServer implements QuarkusTestResourceLifecycleManager {

    static final String API_KEY = "sim-test-key";
    static final String MODEL = "codestral-22b";
    static ModelSimulator simulator;

    @Override
    public Map<String, String> start() {
        simulator = ModelSimulator.start(SimulatorConfig.builder().host("127.0.0.1").port(0).apiKey(API_KEY)
                .models(List.of(MODEL)).build());
        return Map.of("enclave.adapter.read-timeout", "PT2S");
    }

    @Override
    public void stop() {
        if (simulator != null) {
            simulator.close();
        }
    }
}
