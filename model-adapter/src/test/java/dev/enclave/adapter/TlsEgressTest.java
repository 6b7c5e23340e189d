package dev.enclave.adapter;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.enclave.adapter.GatewayCaller.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * https to the checked address: the connection goes to the IP the allowlist approved, while SNI,
 * the certificate check and the {@code Host} header use the endpoint's host name.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
@QuarkusTestResource(TlsModelServer.class)
class TlsEgressTest {

    @BeforeEach
    void reset() {
        ScriptedHostResolver.clear();
        TlsModelServer.lastSni = null;
        TlsModelServer.lastHost = null;
    }

    private static Response complete(String endpoint) {
        Map<String, Object> model = Map.of("provider", "openai_compatible", "endpoint", endpoint,
                "identifier", "tls-model", "api_key", "k");
        return given().contentType(ContentType.JSON).body(Map.of("model", model, "prompt", "x"))
                .post("/v1/completions");
    }

    @Test
    void sniAndCertificateUseTheHostNameWhileTheCallGoesToTheCheckedAddress() {
        ScriptedHostResolver.script(TlsModelServer.HOST_NAME, "127.0.0.1");

        complete("https://" + TlsModelServer.HOST_NAME + ":" + TlsModelServer.port() + "/v1")
                .then().statusCode(200).body("text", equalTo("over tls"));

        assertThat(TlsModelServer.lastSni).isEqualTo(TlsModelServer.HOST_NAME);
        assertThat(TlsModelServer.lastHost).isEqualTo(TlsModelServer.HOST_NAME + ":" + TlsModelServer.port());
        assertThat(ScriptedHostResolver.lookups(TlsModelServer.HOST_NAME)).isEqualTo(1);
    }

    @Test
    void aCertificateForAnotherNameIsRefused() {
        ScriptedHostResolver.script("other.internal", "127.0.0.1");

        complete("https://other.internal:" + TlsModelServer.port() + "/v1")
                .then().statusCode(502)
                .body("error", equalTo("model_server_unreachable"))
                .body("message", containsString("TLS failed"));
        complete("https://127.0.0.1:" + TlsModelServer.port() + "/v1")
                .then().statusCode(502).body("message", containsString("TLS failed"));
        assertThat(TlsModelServer.lastHost).isNull();
    }
}
