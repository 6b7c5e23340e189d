package dev.enclave.token;

import dev.enclave.token.service.OAuthHousekeeping;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;

import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.clientCredentials;
import static dev.enclave.token.OAuthTestClient.code;
import static dev.enclave.token.OAuthTestClient.composite;
import static dev.enclave.token.OAuthTestClient.compositeTokenEventsAfter;
import static dev.enclave.token.OAuthTestClient.exchange;
import static dev.enclave.token.OAuthTestClient.jti;
import static dev.enclave.token.OAuthTestClient.lastCompositeTokenEventId;
import static dev.enclave.token.OAuthTestClient.newOwnerId;
import static dev.enclave.token.OAuthTestClient.refresh;
import static dev.enclave.token.OAuthTestClient.tokens;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/**
 * Issue 14: the feed of composite token creations that instance-service polls
 * ({@code GET /internal/v1/composite-token-events?after=}) to write {@code composite_oauth_token_created}.
 * Test classes run one after another, so the events after a test's starting point are its own.
 */
@QuarkusTest
class CompositeTokenEventsTest {

    @Inject
    TestClock clock;

    @Inject
    OAuthHousekeeping housekeeping;

    @TestHTTPResource("/internal/v1/composite-tokens")
    URI mintEndpoint;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void everyCompositeAccessTokenCreatedIsInTheFeedInOrder() {
        OAuthTestClient.App app = app("api user:*");
        long start = lastCompositeTokenEventId();
        long agent = newOwnerId();
        long other = newOwnerId();

        OAuthTestClient.Tokens direct = composite(app, agent, "api user:42");
        OAuthTestClient.Tokens exchanged = tokens(exchange(app, code(app, other, "api user:43")));
        OAuthTestClient.Tokens refreshed = tokens(refresh(app, direct.refreshToken(), null));
        // Tokens without user:<id> are not composite: not in the feed.
        tokens(exchange(app, code(app, agent, "api")));
        clientCredentials(app, "partner-api").then().statusCode(200);

        List<Map<String, Object>> events = compositeTokenEventsAfter(start);
        assertThat(events).extracting(e -> ((Number) e.get("id")).longValue()).containsExactly(start + 1, start + 2,
                start + 3);
        assertThat(events).extracting(e -> e.get("origin")).containsExactly("direct", "exchange", "refresh");
        assertEvent(events.get(0), agent, 42, app, "api user:42", jti(direct.accessToken()));
        assertEvent(events.get(1), other, 43, app, "api user:43", jti(exchanged.accessToken()));
        assertEvent(events.get(2), agent, 42, app, "api user:42", jti(refreshed.accessToken()));
    }

    private static void assertEvent(Map<String, Object> event, long owner, long user, OAuthTestClient.App app,
                                    String scope, String jti) {
        assertThat(((Number) event.get("resource_owner_id")).longValue()).isEqualTo(owner);
        assertThat(((Number) event.get("user_id")).longValue()).isEqualTo(user);
        assertThat(event.get("application_id")).isEqualTo(app.clientId());
        assertThat(event.get("scope")).isEqualTo(scope);
        assertThat(event.get("jti")).isEqualTo(jti);
        assertThat(Instant.parse((String) event.get("created_at"))).isBetween(Instant.now().minusSeconds(60),
                Instant.now());
    }

    @Test
    void aRefusedRefreshRecordsNothing() {
        OAuthTestClient.App app = app("api user:*");
        long start = lastCompositeTokenEventId();
        OAuthTestClient.Tokens minted = composite(app, newOwnerId(), "api user:42");
        tokens(refresh(app, minted.refreshToken(), null));

        refresh(app, minted.refreshToken(), null).then().statusCode(400).body("error", equalTo("invalid_grant"));
        refresh(app, minted.refreshToken(), "api user:43").then().statusCode(400);

        assertThat(compositeTokenEventsAfter(start)).extracting(e -> e.get("origin"))
                .containsExactly("direct", "refresh");
    }

    @Test
    void afterAndLimitPage() {
        OAuthTestClient.App app = app("api user:*");
        long start = lastCompositeTokenEventId();
        for (int user = 1; user <= 3; user++) {
            composite(app, newOwnerId(), "api user:" + user);
        }

        feed().queryParam("after", start).queryParam("limit", 2).get("/internal/v1/composite-token-events")
                .then().statusCode(200).body("events", hasSize(2))
                .body("events[0].id", equalTo((int) start + 1)).body("events[1].user_id", equalTo(2));
        feed().queryParam("after", start + 2).get("/internal/v1/composite-token-events")
                .then().statusCode(200).body("events", hasSize(1)).body("events[0].user_id", equalTo(3));
        feed().queryParam("after", start + 3).get("/internal/v1/composite-token-events")
                .then().statusCode(200).body("events", hasSize(0));
    }

    @Test
    void badParametersAreInvalidRequest() {
        for (Map<String, Object> query : List.<Map<String, Object>>of(Map.of("after", -1), Map.of("after", "abc"),
                Map.of("limit", 0), Map.of("limit", 1001), Map.of("limit", "x"))) {
            feed().queryParams(query).get("/internal/v1/composite-token-events").then().statusCode(400)
                    .body("error", equalTo("invalid_request"));
        }
    }

    @Test
    void onlyTheInstanceReadsTheFeed() {
        OAuthTestClient.App app = app("api user:*");
        given().get("/internal/v1/composite-token-events").then().statusCode(401);
        given().auth().preemptive().basic(app.clientId(), app.secret()).get("/internal/v1/composite-token-events")
                .then().statusCode(401);
        given().auth().preemptive().basic(OAuthTestClient.VERIFIER_ID, OAuthTestClient.VERIFIER_SECRET)
                .get("/internal/v1/composite-token-events").then().statusCode(401);
    }

    @Test
    void concurrentCreationsGetGaplessIds() throws Exception {
        OAuthTestClient.App app = app("api user:*");
        long start = lastCompositeTokenEventId();
        String basic = "Basic " + Base64.getEncoder().encodeToString(
                (OAuthTestClient.INSTANCE_ID + ":" + OAuthTestClient.INSTANCE_SECRET).getBytes(StandardCharsets.UTF_8));
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String body = "{\"application_id\":\"" + app.clientId() + "\",\"resource_owner_id\":" + newOwnerId()
                    + ",\"scopes\":\"api user:42\"}";
            calls.add(http.sendAsync(HttpRequest.newBuilder(mintEndpoint).header("Authorization", basic)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            assertThat(call.get().statusCode()).isEqualTo(201);
        }

        assertThat(compositeTokenEventsAfter(start)).extracting(e -> ((Number) e.get("id")).longValue())
                .containsExactlyElementsOf(LongStream.rangeClosed(start + 1, start + 8).boxed().toList());
    }

    @Test
    void eventsPastTheRetentionArePurgedAndIdsGoOn() {
        OAuthTestClient.App app = app("api user:*");
        long start = lastCompositeTokenEventId();
        composite(app, newOwnerId(), "api user:42");

        clock.advance(Duration.ofDays(30).plusMinutes(1));
        housekeeping.purgeExpired();
        assertThat(compositeTokenEventsAfter(0)).extracting(e -> ((Number) e.get("id")).longValue())
                .doesNotContain(start + 1);

        composite(app, newOwnerId(), "api user:42");
        assertThat(compositeTokenEventsAfter(start)).extracting(e -> ((Number) e.get("id")).longValue())
                .containsExactly(start + 2);
    }

    private static io.restassured.specification.RequestSpecification feed() {
        return given().auth().preemptive().basic(OAuthTestClient.INSTANCE_ID, OAuthTestClient.INSTANCE_SECRET);
    }
}
