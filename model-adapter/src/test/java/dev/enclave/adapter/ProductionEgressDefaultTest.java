package dev.enclave.adapter;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.enclave.adapter.GatewayCaller.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Production's default allowlist is empty: nothing is reachable until the administrator lists networks. */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
@TestProfile(ProductionEgressDefaultTest.EmptyAllowlist.class)
class ProductionEgressDefaultTest {

    public static class EmptyAllowlist implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.adapter.egress.allowed-cidrs", "");
        }
    }

    @BeforeEach
    void reset() {
        SimulatedModelServer.reset();
    }

    @Test
    void evenLoopbackIsRefused() {
        Map<String, Object> model = Map.of("provider", "openai_compatible",
                "endpoint", SimulatedModelServer.simulator.baseUrl(), "identifier", SimulatedModelServer.MODEL,
                "api_key", SimulatedModelServer.API_KEY);
        given().contentType(ContentType.JSON).body(Map.of("model", model, "prompt", "x"))
                .post("/v1/completions")
                .then().statusCode(403)
                .body("error", equalTo("egress_denied"))
                .body("message", equalTo("model endpoint host 127.0.0.1 resolves to 127.0.0.1, which is outside the "
                        + "allowed networks (enclave.adapter.egress.allowed-cidrs); none are configured"));
        assertThat(SimulatedModelServer.simulator.recordedRequests()).isEmpty();
    }
}
