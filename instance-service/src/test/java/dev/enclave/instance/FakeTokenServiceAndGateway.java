package dev.enclave.instance;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * In-JVM stand-ins for token-service's internal API and the AI gateway, on one WireMock server
 * (token-service at its root, the gateway under /gateway).
 */
public class FakeTokenServiceAndGateway implements QuarkusTestResourceLifecycleManager {

    static WireMockServer server;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        String base = "http://127.0.0.1:" + server.port();
        return Map.of("enclave.instance.token-service-url", base,
                "enclave.instance.ai-gateway-url", base + "/gateway");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
