package dev.enclave.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Issue 12, finding 5: AI tokens are JWTs verified against token-service's keys, and nothing else.
 * Opaque bearers and JWTs signed by an unknown key are refused without a call to the
 * introspection endpoint that token-service's discovery document names (and whose fake here would
 * call every token active).
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class NoIntrospectionTest {

    private static RequestSpecification bearer(String token) {
        return given().contentType("application/json")
                .header("Authorization", "Bearer " + token)
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(CodeCompletionsAuthTest.BODY);
    }

    private static int introspections() {
        return FakeIssuerAndAdapter.server.countRequestsMatching(
                postRequestedFor(urlEqualTo("/oauth/introspect")).build()).getCount();
    }

    @Test
    void opaqueBearersAndUnknownKeysAreRefusedWithoutIntrospection() {
        int before = introspections();
        for (int i = 0; i < 100; i++) {
            bearer("opaque-" + UUID.randomUUID()).post("/v2/code/completions")
                    .then().statusCode(401).body("error", equalTo("Forbidden by auth provider"));
        }
        String unknownKid = TestTokens.sign(TestTokens.UNKNOWN, TestTokens.claims(List.of("complete_code")));
        bearer(unknownKid).post("/v2/code/completions")
                .then().statusCode(401).body("error", equalTo("Forbidden by auth provider"));
        assertThat(introspections()).as("calls to /oauth/introspect").isEqualTo(before);
        // the discovery document naming the introspection endpoint was read: the gateway knew where to call
        assertThat(FakeIssuerAndAdapter.server.countRequestsMatching(com.github.tomakehurst.wiremock.client.WireMock
                .getRequestedFor(urlEqualTo("/.well-known/openid-configuration")).build()).getCount()).isPositive();
    }
}
