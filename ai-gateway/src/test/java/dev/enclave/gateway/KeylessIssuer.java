package dev.enclave.gateway;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * token-service as it is while starting or failing: it answers its discovery document, but its key
 * set only with 503, until a test calls {@link #publishKeys()}. Also stands in for model-adapter
 * ({@code /adapter}), whose answers the tests stub.
 */
public class KeylessIssuer implements QuarkusTestResourceLifecycleManager {

    static WireMockServer server;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        server.stubFor(get(urlEqualTo("/.well-known/openid-configuration")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"issuer\":\"" + TestTokens.ISSUER + "\",\"jwks_uri\":\"" + TestTokens.ISSUER
                        + "/oauth/discovery/keys\",\"id_token_signing_alg_values_supported\":[\"RS256\"]}")));
        server.stubFor(get(urlEqualTo("/oauth/discovery/keys")).willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "application/json").withBody("{\"error\":\"starting\"}")));
        server.stubFor(post(urlEqualTo("/oauth/token")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"" + FakeIssuerAndAdapter.ADAPTER_TOKEN
                        + "\",\"token_type\":\"Bearer\",\"expires_in\":7200}")));
        String base = "http://127.0.0.1:" + server.port();
        return Map.of("enclave.gateway.token-service-url", base,
                "quarkus.rest-client.model-adapter.url", base + "/adapter");
    }

    static void publishKeys() {
        server.stubFor(get(urlEqualTo("/oauth/discovery/keys")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(TestTokens.jwks())));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
