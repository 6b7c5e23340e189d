package dev.enclave.adapter;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.Map;

import io.restassured.RestAssured;

import static dev.enclave.adapter.GatewayCaller.given;
import static org.hamcrest.Matchers.equalTo;

/**
 * With token-service unreachable before its keys were ever fetched, calls end in a clear 503 and
 * the adapter is not ready.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
@TestProfile(TokenServiceDownTest.NothingListening.class)
class TokenServiceDownTest {

    public static class NothingListening implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.oidc.auth-server-url", "http://127.0.0.1:9");
        }
    }

    @Test
    void aCallIs503NamingTheSetting() {
        given().contentType(ContentType.JSON).body(Map.of("prompt", "x"))
                .post("/v1/completions")
                .then().statusCode(503)
                .body("error", equalTo("token_keys_unavailable"))
                .body("message", equalTo("cannot verify the bearer token: token-service's keys cannot be fetched "
                        + "(enclave.adapter.token-service-url)"));
    }

    @Test
    void notReadyWithoutVerificationKeysWhileStillAlive() {
        RestAssured.get("/q/health/ready").then().statusCode(503)
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'verification-keys' }.status", equalTo("DOWN"))
                // the breakers are data, they do not decide readiness
                .body("checks.find { it.name == 'model-servers' }.status", equalTo("UP"));
        RestAssured.get("/q/health/live").then().statusCode(200);
    }
}
