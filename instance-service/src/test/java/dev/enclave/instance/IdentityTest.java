package dev.enclave.instance;

import dev.enclave.instance.domain.AuditEvent;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.security.RevokedAccessTokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.enclave.instance.Api.get;
import static dev.enclave.instance.Api.id;
import static dev.enclave.instance.Api.post;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/** Users, service accounts, tokens (PAT and OAuth), composite identity and licence seats. */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class IdentityTest {

    @Inject
    TestData data;

    @Inject
    RevokedAccessTokens revocations;

    String admin;

    @BeforeEach
    void setUp() {
        admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        data.paidLicense();
    }

    private long compositeAccount() {
        return id(post(admin, "/api/v4/service_accounts", Map.of("composite_identity_enforced", true)));
    }

    @Test
    void oauthAccessTokensAuthenticate() {
        User user = data.user(User.ACTIVE);
        given().auth().oauth2(TestOAuthTokens.accessToken(user.id, "read_user")).get("/api/v4/user")
                .then().statusCode(200).body("id", equalTo(user.id.intValue()));
    }

    @Test
    void oauthTokensThatAreWrongInAnyWayAreUnauthorized() {
        User user = data.user(User.ACTIVE);
        List<String> bad = List.of(
                TestOAuthTokens.accessToken(user.id, "api", c -> c.setAudience("gitlab-ai-gateway")),
                TestOAuthTokens.accessToken(user.id, "api", c -> c.setIssuer("https://elsewhere")),
                TestOAuthTokens.accessToken(user.id, "api",
                        c -> c.setExpirationTime(NumericDate.fromSeconds(NumericDate.now().getValue() - 600))),
                TestOAuthTokens.accessToken(999_999, "api"),
                "a.b.c");
        for (String token : bad) {
            given().auth().oauth2(token).get("/api/v4/user").then().statusCode(401)
                    .body("message", equalTo("401 Unauthorized"));
        }
    }

    @Test
    void oauthTokenWithoutAPermittingScopeIsInsufficientScope() {
        User user = data.user(User.ACTIVE);
        given().auth().oauth2(TestOAuthTokens.accessToken(user.id, "read_user"))
                .contentType(ContentType.JSON).body(Map.of("name", "x")).post("/api/v4/projects")
                .then().statusCode(403).body("error", equalTo("insufficient_scope"));
    }

    @Test
    void revokedOAuthTokenStopsWorkingOnceTheListIsPolled() throws Exception {
        User user = data.user(User.ACTIVE);
        String token = TestOAuthTokens.accessToken(user.id, "api");
        given().auth().oauth2(token).get("/api/v4/user").then().statusCode(200);
        TestOAuthTokens.REVOKED.put(TestOAuthTokens.jti(token), NumericDate.now().getValue() + 3600);
        FakeTokenServiceAndGateway.reset();
        revocations.refresh();
        given().auth().oauth2(token).get("/api/v4/user").then().statusCode(401);
    }

    @Test
    void blockedUsersOAuthTokenIsUnauthorized() {
        User user = data.user(User.BLOCKED);
        given().auth().oauth2(TestOAuthTokens.accessToken(user.id, "api")).get("/api/v4/user").then().statusCode(401);
    }

    @Test
    void compositeTokenNeedsExactlyOneUserScopeNamingAnActiveHuman() {
        long account = compositeAccount();
        User human = data.user(User.ACTIVE);
        User other = data.user(User.ACTIVE);
        User blocked = data.user(User.BLOCKED);
        for (String scope : List.of("api", "api user:" + human.id + " user:" + other.id, "api user:" + blocked.id,
                "api user:987654321", "api user:" + account)) {
            given().auth().oauth2(TestOAuthTokens.accessToken(account, scope)).get("/api/v4/user")
                    .then().statusCode(401);
        }
        given().auth().oauth2(TestOAuthTokens.accessToken(account, "api user:" + human.id)).get("/api/v4/user")
                .then().statusCode(200);
    }

    @Test
    void personalAccessTokenOfAnEnforcedServiceAccountIsRefused() {
        long account = compositeAccount();
        String pat = post(admin, "/api/v4/users/" + account + "/personal_access_tokens",
                Map.of("name", "bot", "scopes", List.of("api"))).then().statusCode(201).extract().path("token");
        get(pat, "/api/v4/user").then().statusCode(401);
    }

    @Test
    void getUserWithACompositeTokenAnswersWithTheServiceAccount() {
        long account = compositeAccount();
        User human = data.user(User.ACTIVE);
        given().auth().oauth2(TestOAuthTokens.accessToken(account, "api user:" + human.id)).get("/api/v4/user")
                .then().statusCode(200).body("id", equalTo((int) account)).body("bot", equalTo(true))
                .body("composite_identity_enforced", equalTo(true));
    }

    @Test
    void compositeWritesAreAttributedToTheAccountAndAuditedWithBoth() {
        long account = compositeAccount();
        User human = data.user(User.ACTIVE);
        long project = id(post(admin, "/api/v4/projects", Map.of("name", "attributed-" + account)));
        for (long member : new long[]{account, human.id}) {
            post(admin, "/api/v4/projects/" + project + "/members", Map.of("user_id", member, "access_level", 30))
                    .then().statusCode(201);
        }
        long issue = ((Number) given().auth().oauth2(TestOAuthTokens.accessToken(account, "api user:" + human.id))
                .contentType(ContentType.JSON).body(Map.of("title", "from the agent"))
                .post("/api/v4/projects/" + project + "/issues")
                .then().statusCode(201).body("author.id", equalTo((int) account)).extract().path("id")).longValue();
        List<AuditEvent> events = QuarkusTransaction.requiringNew().call(() -> AuditEvent.forTarget("Issue", issue));
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.authorId).isEqualTo(account);
            assertThat(e.scopedUserId).isEqualTo(human.id);
        });
    }

    @Test
    void serviceAccountsNeedAPaidTier() {
        put(admin, "/api/v4/license", Map.of("plan", "free"));
        post(admin, "/api/v4/service_accounts", Map.of()).then().statusCode(403)
                .body("message", startsWith("403 Forbidden - Service accounts require"));
        put(admin, "/api/v4/license", Map.of("plan", "premium"));
        post(admin, "/api/v4/service_accounts", Map.of()).then().statusCode(201).body("bot", equalTo(true));
    }

    @Test
    void compositeFlagIsForServiceAccountsAndAdminsOnly() {
        User human = data.user(User.ACTIVE);
        put(admin, "/api/v4/users/" + human.id, Map.of("composite_identity_enforced", true)).then().statusCode(400);
        long account = id(post(admin, "/api/v4/service_accounts", Map.of()));
        put(admin, "/api/v4/users/" + account, Map.of("composite_identity_enforced", true)).then().statusCode(200)
                .body("composite_identity_enforced", equalTo(true));
        String user = data.token(human, Set.of("api"), LocalDate.now().plusDays(1));
        put(user, "/api/v4/users/" + account, Map.of("composite_identity_enforced", false)).then().statusCode(403);
    }

    @Test
    void adminsIssuePersonalAccessTokensThatTheOwnerCanInspectAndRevoke() {
        User user = data.user(User.ACTIVE);
        String token = post(admin, "/api/v4/users/" + user.id + "/personal_access_tokens",
                Map.of("name", "ci", "scopes", List.of("read_api"), "expires_at", LocalDate.now().plusDays(7).toString()))
                .then().statusCode(201).body("scopes", equalTo(List.of("read_api")))
                .body("token", startsWith("glpat-")).extract().path("token");
        get(token, "/api/v4/personal_access_tokens/self").then().statusCode(200).body("name", equalTo("ci"))
                .body("active", equalTo(true)).body("token", org.hamcrest.Matchers.nullValue());
        given().header("PRIVATE-TOKEN", token).delete("/api/v4/personal_access_tokens/self").then().statusCode(204);
        get(token, "/api/v4/personal_access_tokens/self").then().statusCode(401);
    }

    @Test
    void personalAccessTokenRequestsAreValidated() {
        User user = data.user(User.ACTIVE);
        String path = "/api/v4/users/" + user.id + "/personal_access_tokens";
        post(admin, path, Map.of("name", "x", "scopes", List.of("sudo"))).then().statusCode(400)
                .body("error", startsWith("scopes does not have a valid value: sudo"));
        post(admin, path, Map.of("name", "x", "scopes", List.of("api"), "expires_at", "2001-01-01"))
                .then().statusCode(400).body("error", equalTo("expires_at must be in the future"));
        post(admin, path, Map.of("name", "x", "scopes", List.of("api"),
                "expires_at", LocalDate.now().plusDays(400).toString())).then().statusCode(400);
        String plain = data.token(user, Set.of("api"), LocalDate.now().plusDays(1));
        post(plain, path, Map.of("name", "x", "scopes", List.of("api"))).then().statusCode(403);
    }

    @Test
    void usersCannotRevokeOtherUsersTokens() {
        User owner = data.user(User.ACTIVE);
        long tokenId = ((Number) post(admin, "/api/v4/users/" + owner.id + "/personal_access_tokens",
                Map.of("name", "mine", "scopes", List.of("api"))).path("id")).longValue();
        String other = data.token(data.user(User.ACTIVE), Set.of("api"), LocalDate.now().plusDays(1));
        given().header("PRIVATE-TOKEN", other).delete("/api/v4/personal_access_tokens/" + tokenId)
                .then().statusCode(404);
    }

    @Test
    void blockingTakesEffectOnTheNextRequest() {
        User user = data.user(User.ACTIVE);
        String token = data.token(user, Set.of("api"), LocalDate.now().plusDays(1));
        get(token, "/api/v4/user").then().statusCode(200);
        post(admin, "/api/v4/users/" + user.id + "/block", Map.of()).then().statusCode(201);
        get(token, "/api/v4/user").then().statusCode(401);
        post(admin, "/api/v4/users/" + user.id + "/unblock", Map.of()).then().statusCode(201);
        get(token, "/api/v4/user").then().statusCode(200);
    }

    @Test
    void seatsCannotBeOversold() {
        put(admin, "/api/v4/license", Map.of("plan", "ultimate", "duo_enterprise_seats",
                ((Number) get(admin, "/api/v4/license").path("duo_enterprise_seats_assigned")).intValue() + 1));
        User first = data.user(User.ACTIVE);
        User second = data.user(User.ACTIVE);
        post(admin, "/api/v4/admin/duo/seats", Map.of("user_id", first.id)).then().statusCode(201);
        post(admin, "/api/v4/admin/duo/seats", Map.of("user_id", second.id)).then().statusCode(409)
                .body("message", startsWith("No Duo Enterprise seats left"));
        put(admin, "/api/v4/license", Map.of("duo_enterprise_seats", 0)).then().statusCode(400);
        given().header("PRIVATE-TOKEN", admin).delete("/api/v4/admin/duo/seats/" + first.id).then().statusCode(204);
        data.paidLicense();
    }

    @Test
    void aiEndpointsRefuseUsersWithoutASeat() {
        String token = data.token(data.user(User.ACTIVE), Set.of("ai_features"), LocalDate.now().plusDays(1));
        post(token, "/api/v4/code_suggestions/completions",
                Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x")))
                .then().statusCode(401).body("message", equalTo("401 Unauthorized"));
    }

    private static io.restassured.response.Response put(String token, String path, Map<String, ?> body) {
        return given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON).body(body).put(path);
    }
}
