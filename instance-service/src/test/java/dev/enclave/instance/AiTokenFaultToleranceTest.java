package dev.enclave.instance;

import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.service.AiTokenCache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * AI token minting under token-service failures: the cached token keeps completions working, its
 * renewal runs in the background and never makes a request wait, and the breaker in front of
 * token-service opens after repeated failures while the cached token is used.
 */
@QuarkusTest
@TestProfile(AiTokenFaultToleranceTest.FastRenewalChecks.class)
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class AiTokenFaultToleranceTest {

    public static class FastRenewalChecks implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.instance.ai-token.renew-check-interval", "200ms",
                    "enclave.instance.rate-limits.code-suggestions.requests", "1000");
        }
    }

    /** Guards against a hang; not a speed bound. */
    static final long GUARD_SECONDS = 20;
    static final String MINT = "/internal/v1/ai-tokens";
    static final String COMPLETIONS = "/gateway/v2/code/completions";

    @Inject
    TestData data;

    @Inject
    AiTokenCache cache;

    @Inject
    CircuitBreakerMaintenance breakers;

    @Inject
    dev.enclave.instance.config.InstanceConfig config;

    String token;

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        FakeTokenServiceAndGateway.Blocking.arm();
        breakers.resetAll();
        cache.invalidateAll();
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo(COMPLETIONS)).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody("{\"choices\":[{\"text\":\"ok\"}]}")));
        User user = data.user(User.ACTIVE);
        data.giveDuoSeat(user);
        token = data.token(user, Set.of("ai_features"), LocalDate.now().plusDays(1));
        SelfHostedModel model = data.model("key");
        data.route("code_completions", model);
    }

    @AfterEach
    void tearDown() {
        FakeTokenServiceAndGateway.Blocking.release.countDown();
        // Background renewals may still be failing; the next test class must not meet an open breaker.
        FakeTokenServiceAndGateway.reset();
        breakers.resetAll();
    }

    private static String mintAnswer(String value, long expiresAt) {
        return "{\"token\":\"" + value + "\",\"expires_at\":" + expiresAt + "}";
    }

    private static void tokenServiceMints(String value, long expiresAt) {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo(MINT)).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(mintAnswer(value, expiresAt))));
    }

    private static void tokenServiceDown() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo(MINT)).willReturn(aResponse()
                .withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
    }

    private static int mintCalls() {
        return FakeTokenServiceAndGateway.server.findAll(postRequestedFor(urlEqualTo(MINT))).size();
    }

    /** The bearer token the gateway saw on the last completion. */
    private static String lastBearer() {
        var calls = FakeTokenServiceAndGateway.server.findAll(postRequestedFor(urlEqualTo(COMPLETIONS)));
        return calls.get(calls.size() - 1).getHeader("Authorization");
    }

    private void completeOk() {
        given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x")))
                .post("/api/v4/code_suggestions/completions").then().statusCode(200);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(guard);
            Thread.sleep(20);
        }
    }

    private static long inSeconds(long seconds) {
        return Instant.now().plusSeconds(seconds).getEpochSecond();
    }

    @Test
    void tokenServiceDownWithAValidCachedTokenKeepsCompletionsWorking() {
        tokenServiceMints("fresh", inSeconds(3600));
        completeOk();
        assertThat(mintCalls()).isEqualTo(1);

        tokenServiceDown();
        for (int i = 0; i < 5; i++) {
            completeOk();
            assertThat(lastBearer()).isEqualTo("Bearer fresh");
        }
        // Outside its renewal window the cached token is used without asking token-service.
        assertThat(mintCalls()).isEqualTo(1);
    }

    @Test
    void aSlowTokenServiceInTheRenewalWindowMakesNoRequestWait() throws Exception {
        // The first mint answers at once with a token already in its renewal window (5 min before
        // expiry); every later mint is held at the fake until the test releases it.
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo(MINT)).inScenario("slow")
                .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willSetStateTo("held").willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody(mintAnswer("old", inSeconds(120)))));
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo(MINT)).inScenario("slow").whenScenarioStateIs("held")
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody(mintAnswer("new", inSeconds(3600)))
                        .withTransformers(FakeTokenServiceAndGateway.Blocking.NAME)));

        completeOk();
        assertThat(lastBearer()).isEqualTo("Bearer old");
        // The renewal has reached token-service and is held there...
        assertThat(FakeTokenServiceAndGateway.Blocking.entered.await(GUARD_SECONDS, TimeUnit.SECONDS)).isTrue();
        // ...while requests complete with the still-valid token.
        for (int i = 0; i < 3; i++) {
            completeOk();
            assertThat(lastBearer()).isEqualTo("Bearer old");
        }
        assertThat(FakeTokenServiceAndGateway.Blocking.release.getCount())
                .as("token-service still held while the requests completed").isEqualTo(1);

        FakeTokenServiceAndGateway.Blocking.release.countDown();
        await("the renewed token is used", () -> {
            completeOk();
            return lastBearer().equals("Bearer new");
        });
    }

    @Test
    void tokensAreRenewedInTheBackgroundBeforeTheyExpire() throws Exception {
        tokenServiceMints("old", inSeconds(120));
        TokenServiceClient.AiToken old = cache.tokenFor(List.of("complete_code"));
        assertThat(old.token()).isEqualTo("old");
        tokenServiceMints("new", inSeconds(3600));

        // No request: the periodic check finds the token in its renewal window and renews it.
        await("a background renewal", () -> mintCalls() >= 2);
        await("the renewed token in the cache", () -> cache.tokenFor(List.of("complete_code")).token().equals("new"));
        assertThat(Instant.now()).as("renewed before the old token expired").isBefore(old.expiresAt());
    }

    @Test
    void withoutACachedTokenAnUnavailableTokenServiceIs503WithRetryAfterARefusalWithout() {
        tokenServiceDown();
        given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x")))
                .post("/api/v4/code_suggestions/completions").then().statusCode(503)
                .header("Retry-After", String.valueOf((config.aiToken().mint().circuitBreaker().delayMs() + 999) / 1000))
                .body("message", org.hamcrest.Matchers.containsString("token-service"));

        cache.invalidateAll();
        breakers.resetAll();
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo(MINT)).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_client\",\"error_description\":\"bad credentials\"}")));
        given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x")))
                .post("/api/v4/code_suggestions/completions").then().statusCode(503)
                .header("Retry-After", org.hamcrest.Matchers.nullValue())
                .body("message", org.hamcrest.Matchers.containsString("refused"));
    }

    @Test
    void theBreakerToTokenServiceOpensAndTheCachedTokenIsTheFallback() throws Exception {
        tokenServiceMints("old", inSeconds(120));
        completeOk();
        tokenServiceDown();

        // Each request in the renewal window starts a renewal in the background; they fail,
        // the requests keep using the cached token, and the breaker opens.
        await("the breaker to token-service opens", () -> {
            completeOk();
            assertThat(lastBearer()).isEqualTo("Bearer old");
            return breakers.currentState(TokenServiceClient.MINT_CIRCUIT_BREAKER) == CircuitBreakerState.OPEN;
        });
        int callsWhenOpen = mintCalls();
        for (int i = 0; i < 5; i++) {
            completeOk();
            assertThat(lastBearer()).isEqualTo("Bearer old");
        }
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'polled state' }.data.token_service_ai_tokens_breaker",
                        org.hamcrest.Matchers.equalTo("open"));
        // Open: renewals take the fallback without calling token-service.
        assertThat(mintCalls()).isEqualTo(callsWhenOpen);
    }
}
