package dev.enclave.adapter;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, finding 5: access tokens are JWTs verified against token-service's keys, and nothing
 * else. Opaque bearers and JWTs signed by an unknown key are refused without a call to the
 * introspection endpoint that token-service's discovery document names (and whose fake here would
 * call every token active).
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class NoIntrospectionTest {

    private static int introspections() {
        return FakeTokenService.server.countRequestsMatching(postRequestedFor(urlEqualTo("/oauth/introspect")).build())
                .getCount();
    }

    private static void refused(String token) {
        given().contentType(ContentType.JSON).header("Authorization", "Bearer " + token)
                .body(Map.of("model", Map.of("provider", "openai_compatible", "endpoint", "http://127.0.0.1:9/v1",
                        "identifier", "m"), "prompt", "x"))
                .post("/v1/completions").then().statusCode(401);
    }

    @Test
    void opaqueBearersAndUnknownKeysAreRefusedWithoutIntrospection() {
        int before = introspections();
        for (int i = 0; i < 100; i++) {
            refused("opaque-" + UUID.randomUUID());
        }
        refused(TestTokens.sign(TestTokens.UNKNOWN, TestTokens.claims(), "at+jwt"));
        assertThat(introspections()).as("calls to /oauth/introspect").isEqualTo(before);
        // the discovery document naming the introspection endpoint was read: the adapter knew where to call
        assertThat(FakeTokenService.server.countRequestsMatching(
                getRequestedFor(urlEqualTo("/.well-known/openid-configuration")).build()).getCount()).isPositive();
    }
}
