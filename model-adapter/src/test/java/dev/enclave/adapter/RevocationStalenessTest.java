package dev.enclave.adapter;

import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import dev.enclave.adapter.security.RevokedAccessTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static dev.enclave.adapter.GatewayCaller.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * Revocation does not fail open: once the last successful poll of the revocation list is older
 * than {@code enclave.adapter.revocation-max-staleness}, tokens are refused with a clear 503 (a
 * token revoked meanwhile would not be known), readiness goes down, and both recover with the
 * next successful poll. The profile polls rarely, so that only the test's own polls count.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
@TestProfile(RevocationStalenessTest.ShortStaleness.class)
class RevocationStalenessTest {

    /** Long enough for a call right after a poll on a busy machine. */
    static final Duration MAX_STALENESS = Duration.ofSeconds(6);

    public static class ShortStaleness implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.adapter.revocation-max-staleness", MAX_STALENESS.toMillis() + "ms",
                    "enclave.adapter.revocation-poll-interval", "1h");
        }
    }

    @Inject
    RevokedAccessTokens revocations;

    private StubMapping down;

    @AfterEach
    void tokenServiceBack() {
        if (down != null) {
            FakeTokenService.server.removeStub(down);
            down = null;
        }
    }

    private static double gauge(String scrape, String name) {
        return scrape.lines().filter(line -> line.startsWith(name + " ")).mapToDouble(
                line -> Double.parseDouble(line.substring(name.length() + 1).strip())).findFirst().orElseThrow();
    }

    private static ValidatableResponse complete() {
        Map<String, Object> model = Map.of("provider", "openai_compatible",
                "endpoint", SimulatedModelServer.simulator.baseUrl(), "identifier", SimulatedModelServer.MODEL,
                "api_key", SimulatedModelServer.API_KEY);
        return given().contentType(ContentType.JSON).body(Map.of("model", model, "prompt", "x"))
                .post("/v1/completions").then();
    }

    @Test
    void aStaleListRefusesTokensWith503UntilAPollSucceeds() throws InterruptedException {
        revocations.refresh();
        complete().statusCode(200);

        // token-service stops answering the poll; the list ages past the bound
        down = FakeTokenService.server.stubFor(get(urlPathEqualTo("/internal/v1/revocations"))
                .willReturn(aResponse().withStatus(503)));
        revocations.refresh();
        Thread.sleep(MAX_STALENESS.plusMillis(300).toMillis());
        // the age the alert rules compare with the bound, both in the scrape
        String scrape = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(gauge(scrape, "enclave_revocation_list_age_seconds")).isGreaterThan(MAX_STALENESS.toSeconds());
        assertThat(gauge(scrape, "enclave_revocation_list_max_staleness_seconds")).isEqualTo(6.0);

        complete().statusCode(503)
                .body("error", equalTo("revocation_list_stale"))
                .body("message", startsWith("the revocation list was last fetched from token-service "))
                .body("message", containsString("enclave.adapter.revocation-max-staleness (6 s)"));
        RestAssured.get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'revocation-list' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'revocation-list' }.data.last_failure",
                        containsString("token-service answered 503"))
                .body("checks.find { it.name == 'revocation-list' }.data.stale", startsWith("the revocation list"));

        // token-service answers again: the next poll makes tokens good again
        FakeTokenService.server.removeStub(down);
        down = null;
        revocations.refresh();
        complete().statusCode(200);
        RestAssured.get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'revocation-list' }.status", equalTo("UP"));
    }
}
