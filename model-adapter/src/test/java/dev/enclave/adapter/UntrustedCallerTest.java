package dev.enclave.adapter;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** A caller outside the trusted networks is refused whatever it presents; the probes stay open. */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
@TestProfile(UntrustedCallerTest.GatewayElsewhere.class)
class UntrustedCallerTest {

    /** The gateway's pods are in 10.0.0.0/8; the tests call from loopback. */
    public static class GatewayElsewhere implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.adapter.ingress.trusted-cidrs", "10.0.0.0/8");
        }
    }

    @BeforeEach
    void reset() {
        SimulatedModelServer.reset();
    }

    @Test
    void aLoopbackCallerIsRefusedEvenWithAValidTokenAndAForwardedForInside() {
        Map<String, Object> model = Map.of("provider", "openai_compatible",
                "endpoint", SimulatedModelServer.simulator.baseUrl(), "identifier", SimulatedModelServer.MODEL,
                "api_key", SimulatedModelServer.API_KEY);
        given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid())
                .header("X-Forwarded-For", "10.1.2.3")
                .header("Forwarded", "for=10.1.2.3")
                .body(Map.of("model", model, "prompt", "x"))
                .post("/v1/completions")
                .then().statusCode(403)
                .body("error", equalTo("ingress_denied"))
                .body("message", equalTo("caller 127.0.0.1 is outside the trusted networks"));
        assertThat(SimulatedModelServer.simulator.recordedRequests()).isEmpty();
    }

    @Test
    void theAddressIsCheckedBeforeTheToken() {
        given().contentType(ContentType.JSON).body(Map.of("prompt", "x"))
                .post("/v1/chat/completions")
                .then().statusCode(403).body("error", equalTo("ingress_denied"));
    }

    @Test
    void healthProbesStayOpen() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }
}
