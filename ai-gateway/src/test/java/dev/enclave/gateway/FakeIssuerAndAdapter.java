package dev.enclave.gateway;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * In-JVM stand-ins for the two services around the gateway: token-service's discovery document
 * and key set (publishing {@link TestTokens#PUBLISHED}), and model-adapter (stubbed per test).
 */
public class FakeIssuerAndAdapter implements QuarkusTestResourceLifecycleManager {

    static WireMockServer server;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        String base = "http://127.0.0.1:" + server.port();
        server.stubFor(get(urlEqualTo("/.well-known/openid-configuration")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"issuer\":\"" + TestTokens.ISSUER + "\",\"jwks_uri\":\"" + TestTokens.ISSUER
                        + "/oauth/discovery/keys\",\"id_token_signing_alg_values_supported\":[\"RS256\"]}")));
        server.stubFor(get(urlEqualTo("/oauth/discovery/keys")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(TestTokens.jwks())));
        return Map.of("enclave.gateway.token-service-url", base,
                "quarkus.rest-client.model-adapter.url", base + "/adapter");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
