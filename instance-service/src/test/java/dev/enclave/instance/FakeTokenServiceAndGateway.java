package dev.enclave.instance;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * In-JVM stand-ins for token-service (discovery, keys publishing {@link TestOAuthTokens#KEY},
 * the revocation list, an empty feed of composite token creations, the internal API) and the AI gateway (under /gateway), on one WireMock server.
 */
public class FakeTokenServiceAndGateway implements QuarkusTestResourceLifecycleManager {

    static WireMockServer server;

    /**
     * Stubs answered {@code .withTransformers(Blocking.NAME)} hold their answer until the test
     * counts {@link #release} down; {@link #entered} counts the requests that arrived meanwhile.
     * So a test knows a request is at the fake, blocked, without measuring time.
     */
    static final class Blocking implements ResponseDefinitionTransformerV2 {
        static final String NAME = "block-until-released";
        static volatile CountDownLatch entered = new CountDownLatch(1);
        static volatile CountDownLatch release = new CountDownLatch(1);

        static void arm() {
            entered = new CountDownLatch(1);
            release = new CountDownLatch(1);
        }

        @Override
        public ResponseDefinition transform(ServeEvent serveEvent) {
            entered.countDown();
            try {
                // A guard so that a failed test cannot hold WireMock's threads forever.
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return serveEvent.getResponseDefinition();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return NAME;
        }
    }

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().extensions(new Blocking()));
        server.start();
        reset();
        String base = "http://127.0.0.1:" + server.port();
        return Map.of("enclave.instance.token-service-url", base,
                "enclave.instance.ai-gateway-url", base + "/gateway",
                "enclave.instance.public-url", TestOAuthTokens.ISSUER);
    }

    /** Forgets per-test stubs and recorded requests; keeps the issuer's discovery and keys. */
    static void reset() {
        Blocking.release.countDown();
        server.resetAll();
        server.stubFor(get(urlEqualTo("/.well-known/openid-configuration")).atPriority(10).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                // token-service advertises introspection too; here at the fake, so that a call is seen
                .withBody(TestOAuthTokens.discovery("http://127.0.0.1:" + server.port()))));
        server.stubFor(get(urlEqualTo("/oauth/discovery/keys")).atPriority(10).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(TestOAuthTokens.jwks())));
        server.stubFor(get(urlPathEqualTo("/internal/v1/revocations")).atPriority(10).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(TestOAuthTokens.revocationsJson())));
        // No composite token was created: what reads of the audit log see unless a test says otherwise.
        server.stubFor(get(urlPathEqualTo("/internal/v1/composite-token-events")).atPriority(10).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody("{\"events\":[]}")));
    }

    /** token-service mints {@code token}, valid for an hour, at the AI-token endpoint. */
    static void mintsAiToken(String token) {
        server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlEqualTo("/internal/v1/ai-tokens"))
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody("{\"token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":3600,\"expires_at\":"
                                + (System.currentTimeMillis() / 1000 + 3600) + "}")));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
