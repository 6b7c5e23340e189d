package dev.enclave.adapter;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * An in-JVM stand-in for token-service: its discovery document and key set (publishing
 * {@link TestTokens#PUBLISHED}), and its revocation list for the verifier client, empty until a
 * test stubs it otherwise.
 */
public class FakeTokenService implements QuarkusTestResourceLifecycleManager {

    static final String VERIFIER_ID = "model-adapter";
    /** %test.enclave.adapter.verifier-client.secret */
    static final String VERIFIER_SECRET = "test-verifier-secret";

    static WireMockServer server;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        String base = "http://127.0.0.1:" + server.port();
        server.stubFor(get(urlEqualTo("/.well-known/openid-configuration")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody(TestTokens.discovery(base))));
        // as token-service's discovery names it; it would call any token active (NoIntrospectionTest counts calls)
        server.stubFor(post(urlEqualTo("/oauth/introspect")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"active\":true,\"aud\":\"model-adapter\",\"client_id\":\"ai-gateway\"}")));
        server.stubFor(get(urlEqualTo("/oauth/discovery/keys")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(TestTokens.jwks())));
        server.stubFor(get(urlPathEqualTo("/internal/v1/revocations"))
                .withBasicAuth(VERIFIER_ID, VERIFIER_SECRET)
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody("{\"revocations\":[],\"now\":" + System.currentTimeMillis() + "}")));
        return Map.of("enclave.adapter.token-service-url", base);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
