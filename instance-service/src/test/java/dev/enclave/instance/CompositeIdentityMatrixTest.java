package dev.enclave.instance;

import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seed 001's rule, case by case: a composite-identity token may do only what both the service
 * account and the human may do. 404 where either cannot see the project, 403 where either lacks
 * the permission. "Access" means Developer membership of the project; "write" creates a label
 * (Reporter or above).
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class CompositeIdentityMatrixTest {

    @Inject
    TestData data;

    String adminToken;

    @BeforeEach
    void admin() {
        adminToken = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        data.paidLicense();
    }

    static Stream<Arguments> matrix() {
        List<Arguments> cases = new ArrayList<>();
        for (String visibility : List.of("private", "internal", "public")) {
            for (boolean accountHasAccess : List.of(true, false)) {
                for (boolean humanHasAccess : List.of(true, false)) {
                    for (String action : List.of("read", "write")) {
                        cases.add(Arguments.of(visibility, accountHasAccess, humanHasAccess, action,
                                expected(visibility, accountHasAccess, humanHasAccess, action)));
                    }
                }
            }
        }
        return cases.stream();
    }

    /** GitLab's answer, derived independently of the implementation. */
    static int expected(String visibility, boolean account, boolean human, String action) {
        boolean accountSees = !visibility.equals("private") || account;
        boolean humanSees = !visibility.equals("private") || human;
        if (!accountSees || !humanSees) {
            return 404;
        }
        if (action.equals("read")) {
            return 200;
        }
        return account && human ? 201 : 403;
    }

    @ParameterizedTest(name = "{0} project, account access {1}, human access {2}, {3} -> {4}")
    @MethodSource("matrix")
    void bothIdentitiesMustBeAllowed(String visibility, boolean accountHasAccess, boolean humanHasAccess,
                                     String action, int expected) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        long groupId = ((Number) post(adminToken, "/api/v4/groups",
                Map.of("name", "g-" + suffix, "path", "g-" + suffix, "visibility", "public")).path("id")).longValue();
        long projectId = ((Number) post(adminToken, "/api/v4/projects", Map.of("name", "p-" + suffix,
                "namespace_id", groupId, "visibility", visibility)).path("id")).longValue();

        long account = ((Number) post(adminToken, "/api/v4/service_accounts",
                Map.of("composite_identity_enforced", true)).path("id")).longValue();
        User human = data.user(User.ACTIVE);
        if (accountHasAccess) {
            addDeveloper(projectId, account);
        }
        if (humanHasAccess) {
            addDeveloper(projectId, human.id);
        }

        String token = TestOAuthTokens.accessToken(account, "api user:" + human.id);
        int status = action.equals("read")
                ? given().auth().oauth2(token).get("/api/v4/projects/" + projectId).statusCode()
                : given().auth().oauth2(token).contentType(ContentType.JSON)
                        .body(Map.of("name", "l-" + suffix, "color", "#428BCA"))
                        .post("/api/v4/projects/" + projectId + "/labels").statusCode();
        assertThat(status).isEqualTo(expected);
    }

    /**
     * Issue 12 #4: the token decides. Switching {@code composite_identity_enforced} off must not turn
     * a live composite token into a plain service-account token: a {@code user:<id>} scope is
     * always checked as composite.
     */
    @org.junit.jupiter.api.Test
    void aTokenNamingAUserStaysCompositeAfterTheFlagIsSwitchedOff() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        long groupId = ((Number) post(adminToken, "/api/v4/groups",
                Map.of("name", "g-" + suffix, "path", "g-" + suffix, "visibility", "public")).path("id")).longValue();
        long projectId = ((Number) post(adminToken, "/api/v4/projects", Map.of("name", "p-" + suffix,
                "namespace_id", groupId, "visibility", "private")).path("id")).longValue();
        long account = ((Number) post(adminToken, "/api/v4/service_accounts",
                Map.of("composite_identity_enforced", true)).path("id")).longValue();
        User human = data.user(User.ACTIVE);
        addDeveloper(projectId, account);
        String composite = TestOAuthTokens.accessToken(account, "api user:" + human.id);
        given().auth().oauth2(composite).get("/api/v4/projects/" + projectId).then().statusCode(404);

        given().header("PRIVATE-TOKEN", adminToken).contentType(ContentType.JSON)
                .body(Map.of("composite_identity_enforced", false)).put("/api/v4/users/" + account)
                .then().statusCode(200);

        // The same token (and a refreshed one, which keeps its scopes) is still limited by the human.
        given().auth().oauth2(composite).get("/api/v4/projects/" + projectId).then().statusCode(404);
        given().auth().oauth2(TestOAuthTokens.accessToken(account, "api user:" + human.id))
                .contentType(ContentType.JSON).body(Map.of("name", "l-" + suffix, "color", "#428BCA"))
                .post("/api/v4/projects/" + projectId + "/labels").then().statusCode(404);
        // A token naming no user is now the service account's own, as GitLab has it.
        given().auth().oauth2(TestOAuthTokens.accessToken(account, "api")).get("/api/v4/projects/" + projectId)
                .then().statusCode(200);
        // Still refused as composite: two users, a malformed one, a user who is a bot.
        for (String scope : List.of("api user:" + human.id + " user:" + account, "api user:abc", "api user:" + account)) {
            given().auth().oauth2(TestOAuthTokens.accessToken(account, scope)).get("/api/v4/user")
                    .then().statusCode(401);
        }
    }

    @org.junit.jupiter.api.Test
    void aUserScopeOnAHumansTokenIsRefused() {
        User human = data.user(User.ACTIVE);
        User other = data.user(User.ACTIVE);
        given().auth().oauth2(TestOAuthTokens.accessToken(human.id, "api user:" + other.id)).get("/api/v4/user")
                .then().statusCode(401);
        given().auth().oauth2(TestOAuthTokens.accessToken(human.id, "api")).get("/api/v4/user").then().statusCode(200);
    }

    private void addDeveloper(long projectId, long userId) {
        given().header("PRIVATE-TOKEN", adminToken).contentType(ContentType.JSON)
                .body(Map.of("user_id", userId, "access_level", 30))
                .post("/api/v4/projects/" + projectId + "/members").then().statusCode(201);
    }

    private static io.restassured.response.Response post(String token, String path, Map<String, Object> body) {
        io.restassured.response.Response response = given().header("PRIVATE-TOKEN", token)
                .contentType(ContentType.JSON).body(body).post(path);
        response.then().statusCode(201);
        return response;
    }
}
