package dev.enclave.gateway;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * In-JVM stand-ins for the two services around the gateway: token-service's discovery document
 * and key set (publishing {@link TestTokens#PUBLISHED}) and its token endpoint (handing out
 * {@link #ADAPTER_TOKEN}), and model-adapter: JSON answers stubbed per test in WireMock, streams
 * scripted per test in {@link FakeStreamingAdapter}, which the gateway calls and which passes all
 * other calls on to WireMock.
 */
public class FakeIssuerAndAdapter implements QuarkusTestResourceLifecycleManager {

    /** The access token the fake token-service hands ai-gateway for model-adapter. */
    static final String ADAPTER_TOKEN = "eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJhdWQiOiJtb2RlbC1hZGFwdGVyIn0.c2ln";

    static WireMockServer server;
    /** In front of WireMock's {@code /adapter} stubs: serves scripted streams, passes everything else on. */
    static FakeStreamingAdapter adapter;

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
                .withBody("{\"active\":true,\"aud\":\"gitlab-ai-gateway\",\"sub\":\"" + TestTokens.INSTANCE_ID
                        + "\",\"scopes\":[\"complete_code\"]}")));
        server.stubFor(get(urlEqualTo("/oauth/discovery/keys")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(TestTokens.jwks())));
        // client_credentials for model-adapter, as token-service answers it: no refresh token
        server.stubFor(post(urlEqualTo("/oauth/token")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"access_token\":\"" + ADAPTER_TOKEN + "\",\"token_type\":\"Bearer\",\"expires_in\":7200}")));
        try {
            adapter = new FakeStreamingAdapter(server.port());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("enclave.gateway.token-service-url", base,
                "quarkus.rest-client.model-adapter.url", "http://127.0.0.1:" + adapter.port() + "/adapter");
    }

    @Override
    public void stop() {
        if (adapter != null) {
            try {
                adapter.close();
            } catch (IOException e) {
                // only the test JVM's own socket
            }
        }
        if (server != null) {
            server.stop();
        }
    }
}
