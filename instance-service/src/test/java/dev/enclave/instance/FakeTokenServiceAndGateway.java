package dev.enclave.instance;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * In-JVM stand-ins for token-service (discovery, keys publishing {@link TestOAuthTokens#KEY},
 * the revocation list, the internal API) and the AI gateway (under /gateway), on one WireMock server.
 */
public class FakeTokenServiceAndGateway implements QuarkusTestResourceLifecycleManager {

    static WireMockServer server;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        reset();
        String base = "http://127.0.0.1:" + server.port();
        return Map.of("enclave.instance.token-service-url", base,
                "enclave.instance.ai-gateway-url", base + "/gateway",
                "enclave.instance.public-url", TestOAuthTokens.ISSUER);
    }

    /** Forgets per-test stubs and recorded requests; keeps the issuer's discovery and keys. */
    static void reset() {
        server.resetAll();
        server.stubFor(get(urlEqualTo("/.well-known/openid-configuration")).atPriority(10).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"issuer\":\"" + TestOAuthTokens.ISSUER + "\",\"jwks_uri\":\"" + TestOAuthTokens.ISSUER
                        + "/oauth/discovery/keys\"}")));
        server.stubFor(get(urlEqualTo("/oauth/discovery/keys")).atPriority(10).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(TestOAuthTokens.jwks())));
        server.stubFor(get(urlPathEqualTo("/internal/v1/revocations")).atPriority(10).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(TestOAuthTokens.revocationsJson())));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
