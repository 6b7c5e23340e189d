package dev.enclave.instance;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readiness includes the database and shows how old the polled state is; a failing revocation
 * poll keeps the last list and shows it. Liveness is cheap (no database).
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class HealthTest {

    static final long GUARD_SECONDS = 30;

    @BeforeEach
    @AfterEach
    void reset() {
        FakeTokenServiceAndGateway.reset();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> check(JsonPath health, String name) {
        return (Map<String, Object>) health.getList("checks", Map.class).stream()
                .filter(c -> name.equals(c.get("name"))).findFirst().orElse(null);
    }

    @SuppressWarnings("unchecked")
    private static Object data(JsonPath health, String name, String field) {
        Map<String, Object> check = check(health, name);
        return check == null ? null : ((Map<String, Object>) check.get("data")).get(field);
    }

    private static JsonPath awaitReadiness(String what, Predicate<JsonPath> condition) throws InterruptedException {
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (true) {
            JsonPath health = given().get("/q/health/ready").then().extract().jsonPath();
            if (condition.test(health)) {
                return health;
            }
            assertThat(System.nanoTime()).as(what).isLessThan(guard);
            Thread.sleep(100);
        }
    }

    @Test
    void readinessIncludesTheDatabaseAndTheAgeOfThePolledState() throws Exception {
        JsonPath health = awaitReadiness("a revocation poll succeeded",
                h -> !"never fetched".equals(data(h, "polled state", "revocation_list_age_ms")));
        assertThat(health.getString("status")).isEqualTo("UP");
        assertThat(check(health, "Database connections health check")).containsEntry("status", "UP");
        assertThat(Long.parseLong(data(health, "polled state", "revocation_list_age_ms").toString()))
                .isNotNegative();
        assertThat(data(health, "polled state", "revocation_poll")).isEqualTo("ok");
        assertThat(data(health, "polled state", "token_service_ai_tokens_breaker")).isEqualTo("closed");
    }

    @Test
    void livenessChecksNoDependency() {
        JsonPath health = given().get("/q/health/live").then().statusCode(200).extract().jsonPath();
        assertThat(health.getString("status")).isEqualTo("UP");
        assertThat(check(health, "Database connections health check")).isNull();
    }

    @Test
    void aFailingRevocationPollKeepsTheLastListAndShowsIt() throws Exception {
        awaitReadiness("a revocation poll succeeded",
                h -> !"never fetched".equals(data(h, "polled state", "revocation_list_age_ms")));
        FakeTokenServiceAndGateway.server.stubFor(get(urlPathEqualTo("/internal/v1/revocations")).atPriority(1)
                .willReturn(aResponse().withStatus(500)));

        JsonPath failing = awaitReadiness("the poll reported failing",
                h -> String.valueOf(data(h, "polled state", "revocation_poll")).startsWith("failing"));
        // Still ready: the last list stays in force; its age tells how stale it is.
        assertThat(failing.getString("status")).isEqualTo("UP");
        assertThat(data(failing, "polled state", "revocation_poll")).isEqualTo("failing: token-service answered 500");

        FakeTokenServiceAndGateway.reset();
        awaitReadiness("the poll recovered", h -> "ok".equals(data(h, "polled state", "revocation_poll")));
    }
}
