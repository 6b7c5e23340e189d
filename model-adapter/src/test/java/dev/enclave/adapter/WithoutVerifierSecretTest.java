package dev.enclave.adapter;

import dev.enclave.adapter.security.RevokedAccessTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.enclave.adapter.GatewayCaller.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Outside the prod profile (local runs, tests) the verifier client's secret may be left unset: then
 * nothing is polled, valid tokens still work, and the health data says that revocations are not
 * checked. In the prod profile the adapter refuses to start without it
 * ({@link VerifierSecretRequiredInProdTest}).
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
@TestProfile(WithoutVerifierSecretTest.NoSecret.class)
class WithoutVerifierSecretTest {

    public static class NoSecret implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.adapter.verifier-client.secret", "");
        }
    }

    @Inject
    RevokedAccessTokens revocations;

    @Test
    void revocationsAreNotPolledAndTokensAreStillVerified() {
        revocations.refresh();

        assertThat(FakeTokenService.server.findAll(getRequestedFor(urlPathEqualTo("/internal/v1/revocations"))))
                .isEmpty();
        Map<String, Object> model = Map.of("provider", "openai_compatible",
                "endpoint", SimulatedModelServer.simulator.baseUrl(), "identifier", SimulatedModelServer.MODEL,
                "api_key", SimulatedModelServer.API_KEY);
        given().contentType(ContentType.JSON).body(Map.of("model", model, "prompt", "x"))
                .post("/v1/completions").then().statusCode(200);
        io.restassured.RestAssured.get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'revocation-list' }.data.polled", equalTo(false))
                .body("checks.find { it.name == 'revocation-list' }.data.note",
                        containsString("revocations are not checked"));
    }
}
