package dev.enclave.instance;

import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12 #3: revocation does not fail open. While token-service cannot be polled, the last list
 * is used only up to {@code enclave.instance.revocation-max-staleness} (3 s here); after that OAuth
 * access tokens get a 503 that names the hop, personal access tokens keep working, and readiness
 * says the list is stale. A successful poll lifts the refusal.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
@TestProfile(SecurityTestProfile.class)
class RevocationStalenessTest {

    static final long GUARD_SECONDS = 30;

    @Inject
    TestData data;

    User user;
    String pat;

    @BeforeEach
    @AfterEach
    void reset() {
        FakeTokenServiceAndGateway.reset();
    }

    @BeforeEach
    void setUp() {
        user = data.user(User.ACTIVE);
        pat = data.token(user, Set.of("read_user"), LocalDate.now().plusDays(1));
    }

    private int oauthStatus() {
        return given().auth().oauth2(TestOAuthTokens.accessToken(user.id, "read_user")).get("/api/v4/user")
                .statusCode();
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(guard);
            Thread.sleep(100);
        }
    }

    private static Object pollData(String field) {
        JsonPath health = given().get("/q/health/ready").then().extract().jsonPath();
        return health.getList("checks", Map.class).stream().filter(c -> "polled state".equals(c.get("name")))
                .map(c -> ((Map<?, ?>) c.get("data")).get(field)).findFirst().orElse(null);
    }

    @Test
    void oauthTokensAreRefusedOnceTheListIsOlderThanTheBoundAndPatsKeepWorking() throws Exception {
        IntPredicate ok = status -> status == 200;
        await("an OAuth token works while the list is fresh", () -> ok.test(oauthStatus()));
        assertThat(pollData("revocation_list")).isEqualTo("fresh");

        FakeTokenServiceAndGateway.server.stubFor(get(urlPathEqualTo("/internal/v1/revocations")).atPriority(1)
                .willReturn(aResponse().withStatus(500)));
        await("OAuth tokens are refused once the list is stale", () -> oauthStatus() == 503);

        given().auth().oauth2(TestOAuthTokens.accessToken(user.id, "read_user")).get("/api/v4/user").then()
                .statusCode(503).header("X-GitLab-Error-Origin", "monolith").header("Retry-After", "1")
                .body("message", org.hamcrest.Matchers.allOf(
                        org.hamcrest.Matchers.startsWith("503 Service Unavailable - the list of revoked OAuth tokens "
                                + "was last fetched from token-service "),
                        org.hamcrest.Matchers.containsString("longer than 3 s"),
                        org.hamcrest.Matchers.containsString("personal access tokens still work"),
                        org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("127.0.0.1"))));
        // A forged or expired token is still a plain 401: only genuine tokens learn about the outage.
        given().auth().oauth2(TestOAuthTokens.accessToken(user.id, "read_user",
                c -> c.setExpirationTimeMinutesInTheFuture(-5))).get("/api/v4/user").then().statusCode(401);
        // Personal access tokens do not depend on the list.
        given().header("PRIVATE-TOKEN", pat).get("/api/v4/user").then().statusCode(200);
        given().auth().oauth2(pat).get("/api/v4/user").then().statusCode(200);
        assertThat(String.valueOf(pollData("revocation_list"))).startsWith("stale: OAuth access tokens are refused");
        assertThat(String.valueOf(pollData("revocation_poll"))).startsWith("failing");

        FakeTokenServiceAndGateway.reset();
        await("a successful poll lifts the refusal", () -> ok.test(oauthStatus()));
        await("readiness says fresh again", () -> "fresh".equals(pollData("revocation_list")));
    }
}
