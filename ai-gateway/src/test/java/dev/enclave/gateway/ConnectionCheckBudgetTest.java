package dev.enclave.gateway;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** The connection check ends within its budget even when model-adapter does not answer. */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
@TestProfile(ConnectionCheckBudgetTest.OneSecond.class)
class ConnectionCheckBudgetTest {

    public static class OneSecond implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.gateway.connection-check.timeout", "PT1S");
        }
    }

    @Test
    void anAdapterSlowerThanTheBudgetIs503AndTheBudgetIsPassedOn() {
        FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo("/adapter/v1/chat/completions")).willReturn(aResponse()
                .withFixedDelay(15_000).withHeader("Content-Type", "application/json")
                .withBody("{\"text\":\"late\",\"finish_reason\":\"stop\",\"model\":\"m\"}")));

        long started = System.nanoTime();
        given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(List.of("complete_code")))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(Map.of("inputs", Map.of(), "model_metadata", Map.of("name", "mistral",
                        "endpoint", "http://10.0.0.7:8000/v1", "identifier", "custom_openai/m", "api_key", "k")))
                .post("/v1/prompts/model_configuration%2Fcheck")
                .then().statusCode(503).body("detail", equalTo("model-adapter did not answer within 1 s"));

        // far below the adapter's 15 s: the gateway gave up at its budget (the margin is for a cold first request)
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(10_000);
        List<LoggedRequest> sent = FakeIssuerAndAdapter.server.findAll(
                postRequestedFor(urlEqualTo("/adapter/v1/chat/completions")));
        assertThat(sent).isNotEmpty();
        // the budget less the 250 ms margin, less the little the gateway spent before the call
        int timeoutMs = Integer.parseInt(sent.get(sent.size() - 1).getBodyAsString()
                .replaceAll(".*\"timeout_ms\":(\\d+).*", "$1"));
        assertThat(timeoutMs).isBetween(400, 750);
    }
}
