package dev.enclave.instance;

import dev.enclave.instance.domain.AuditEvent;
import dev.enclave.instance.domain.CompositeTokenFeedCursor;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.service.CompositeTokenAudit;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14: token-service's feed of composite token creations becomes
 * {@code composite_oauth_token_created} audit events (author: the human, target: the service
 * account), once each; the grant keeps its own event; {@code GET /api/v4/audit_events} shows both.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class CompositeTokenAuditTest {

    static final String FEED_PATH = "/internal/v1/composite-token-events";

    @Inject
    TestData data;

    @Inject
    CompositeTokenAudit audit;

    String admin;

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        data.paidLicense();
        admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
    }

    private static long cursor() {
        return QuarkusTransaction.requiringNew().call(() -> CompositeTokenFeedCursor.read().lastEventId);
    }

    private static List<AuditEvent> auditOf(long accountId) {
        return QuarkusTransaction.requiringNew().call(() -> AuditEvent.forTarget("User", accountId));
    }

    private User serviceAccount() {
        return QuarkusTransaction.requiringNew().call(() -> {
            User account = new User();
            account.username = "agent-" + UUID.randomUUID();
            account.name = "Agent";
            account.state = User.ACTIVE;
            account.bot = true;
            account.compositeIdentityEnforced = true;
            account.createdAt = Instant.now();
            account.persist();
            return account;
        });
    }

    private static String event(long id, long accountId, long humanId, String origin, String createdAt) {
        return "{\"id\":" + id + ",\"created_at\":\"" + createdAt + "\",\"resource_owner_id\":" + accountId
                + ",\"user_id\":" + humanId + ",\"application_id\":\"client-1\",\"scope\":\"api user:" + humanId
                + "\",\"origin\":\"" + origin + "\",\"jti\":\"jti-" + id + "\"}";
    }

    /** The feed answers {@code events} to a poll after {@code after}, and nothing after the last of them. */
    private static void feedHas(long after, String... events) {
        FakeTokenServiceAndGateway.server.stubFor(get(urlPathEqualTo(FEED_PATH))
                .withQueryParam("after", equalTo(String.valueOf(after))).willReturn(aResponse()
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"events\":[" + String.join(",", events) + "]}")));
    }

    @Test
    void feedEventsBecomeAuditEventsWithTheHumanAsAuthorAndTheAccountAsTarget() {
        User account = serviceAccount();
        User human = data.user(User.ACTIVE);
        long start = cursor();
        feedHas(start, event(start + 1, account.id, human.id, "exchange", "2026-11-29T10:00:00Z"),
                event(start + 2, account.id, human.id, "refresh", "2026-11-29T12:00:00Z"));

        assertThat(audit.catchUp()).isEqualTo(2);

        List<AuditEvent> events = auditOf(account.id);
        assertThat(events).extracting(e -> e.eventName).containsExactly("composite_oauth_token_created",
                "composite_oauth_token_created");
        assertThat(events).extracting(e -> e.authorId).containsOnly(human.id);
        assertThat(events).extracting(e -> e.createdAt).containsExactly(Instant.parse("2026-11-29T10:00:00Z"),
                Instant.parse("2026-11-29T12:00:00Z"));
        assertThat(events.get(0).details).isEqualTo("origin=exchange application_id=client-1 scopes=api user:"
                + human.id + " jti=jti-" + (start + 1));
        assertThat(events.get(1).details).startsWith("origin=refresh ");
        assertThat(cursor()).isEqualTo(start + 2);
    }

    @Test
    void anEventIsAuditedOnceEvenWhenTheFeedAnswersItAgain() {
        User account = serviceAccount();
        User human = data.user(User.ACTIVE);
        long start = cursor();
        String once = event(start + 1, account.id, human.id, "direct", "2026-11-29T10:00:00Z");
        feedHas(start, once);
        audit.catchUp();
        // As if another replica had read the same page: a poll after the cursor that still gets it.
        feedHas(start + 1, once);

        assertThat(audit.catchUp()).isZero();
        assertThat(auditOf(account.id)).hasSize(1);
    }

    @Test
    void eventsPurgedBeforeTheyWereReadLeaveAGapAndTheRestIsAudited() {
        User account = serviceAccount();
        User human = data.user(User.ACTIVE);
        long start = cursor();
        feedHas(start, event(start + 3, account.id, human.id, "direct", "2026-11-29T10:00:00Z"));

        assertThat(audit.catchUp()).isEqualTo(1);
        assertThat(cursor()).isEqualTo(start + 3);
    }

    @Test
    void theAuditLogIsCaughtUpBeforeItIsReadAndShowsTheGrantAndTheTokenEvents() {
        long account = Api.id(Api.post(admin, "/api/v4/service_accounts", Map.of("composite_identity_enforced", true)));
        User human = data.user(User.ACTIVE);
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/internal/v1/grants")).willReturn(aResponse()
                .withStatus(201).withHeader("Content-Type", "application/json")
                .withBody("{\"code\":\"" + "cd".repeat(32) + "\",\"expires_in\":600}")));
        given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON)
                .body(Map.of("application_id", "client-1", "user_id", human.id, "scopes", "api",
                        "redirect_uri", "http://localhost/callback"))
                .post("/api/v4/service_accounts/" + account + "/oauth_grants").then().statusCode(201);
        long start = cursor();
        // The exchange happened at token-service; only its feed tells the instance.
        feedHas(start, event(start + 1, account, human.id, "exchange", Instant.now().toString()));

        List<Map<String, Object>> events = given().header("PRIVATE-TOKEN", admin)
                .get("/api/v4/audit_events?entity_type=User&entity_id=" + account).then().statusCode(200)
                .extract().jsonPath().getList("$");

        assertThat(events).extracting(e -> e.get("event_name")).containsExactly("composite_oauth_token_created",
                "composite_oauth_grant_created", "service_account_created");
        assertThat(events.get(0).get("author_id")).isEqualTo(human.id.intValue());
        assertThat(events.get(0).get("entity_id")).isEqualTo((int) account);
        assertThat(events.get(1).get("author_id")).isEqualTo(human.id.intValue());
    }

    @Test
    void aDirectMintIsAuditedAtOnce() {
        User account = serviceAccount();
        User human = data.user(User.ACTIVE);
        long start = cursor();
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/internal/v1/composite-tokens"))
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody("{\"access_token\":\"a.b.c\",\"token_type\":\"Bearer\",\"expires_in\":7200,"
                                + "\"refresh_token\":\"r\",\"scope\":\"api user:" + human.id + "\",\"created_at\":1}")));
        feedHas(start, event(start + 1, account.id, human.id, "direct", Instant.now().toString()));

        given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON)
                .body(Map.of("application_id", "client-1", "scopes", "api user:" + human.id))
                .post("/api/v4/service_accounts/" + account.id + "/oauth_tokens").then().statusCode(201);

        assertThat(auditOf(account.id)).extracting(e -> e.eventName).containsExactly("composite_oauth_token_created");
        assertThat(auditOf(account.id).get(0).details).startsWith("origin=direct ");
    }

    @Test
    void anUnreadableFeedLeavesTheAuditLogReadableAndTheCursorWhereItWas() {
        long start = cursor();
        FakeTokenServiceAndGateway.server.stubFor(get(urlPathEqualTo(FEED_PATH)).willReturn(aResponse()
                .withStatus(500)));

        given().header("PRIVATE-TOKEN", admin).get("/api/v4/audit_events").then().statusCode(200);
        assertThat(cursor()).isEqualTo(start);
    }
}
