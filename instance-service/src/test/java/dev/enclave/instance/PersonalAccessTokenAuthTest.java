package dev.enclave.instance;

import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class PersonalAccessTokenAuthTest {

    @Inject
    TestData data;

    @Test
    void privateTokenHeaderAuthenticates() {
        User user = data.user(User.ACTIVE);
        String token = data.token(user, Set.of("read_user"), LocalDate.now().plusDays(1));
        given().header("PRIVATE-TOKEN", token).get("/api/v4/user")
                .then().statusCode(200).body("username", equalTo(user.username)).body("bot", equalTo(false));
    }

    @Test
    void bearerHeaderAuthenticates() {
        given().header("Authorization", "Bearer " + data.token(Set.of("api"))).get("/api/v4/user")
                .then().statusCode(200);
    }

    @Test
    void noTokenIsUnauthorizedInGitLabsShape() {
        given().get("/api/v4/user").then().statusCode(401)
                .header("X-GitLab-Error-Origin", equalTo("monolith"))
                .body("message", equalTo("401 Unauthorized"));
    }

    @Test
    void unknownTokenIsUnauthorized() {
        given().header("PRIVATE-TOKEN", "glpat-doesnotexist").get("/api/v4/user")
                .then().statusCode(401).body("message", equalTo("401 Unauthorized"));
    }

    @Test
    void expiredTokenIsUnauthorized() {
        String token = data.token(data.user(User.ACTIVE), Set.of("api"), LocalDate.now().minusDays(1));
        given().header("PRIVATE-TOKEN", token).get("/api/v4/user").then().statusCode(401);
    }

    @Test
    void tokenExpiringTodayStillWorks() {
        String token = data.token(data.user(User.ACTIVE), Set.of("api"), LocalDate.now(java.time.ZoneOffset.UTC));
        given().header("PRIVATE-TOKEN", token).get("/api/v4/user").then().statusCode(200);
    }

    @Test
    void revokedTokenIsUnauthorized() {
        User user = data.user(User.ACTIVE);
        String token = data.token(user, Set.of("api"), LocalDate.now().plusDays(1));
        data.revokeAll(user);
        given().header("PRIVATE-TOKEN", token).get("/api/v4/user").then().statusCode(401);
    }

    @Test
    void blockedUsersTokenIsUnauthorized() {
        String token = data.token(data.user(User.BLOCKED), Set.of("api"), LocalDate.now().plusDays(1));
        given().header("PRIVATE-TOKEN", token).get("/api/v4/user").then().statusCode(401);
    }

    @Test
    void tokenWithoutAPermittingScopeIsInsufficientScope() {
        String token = data.token(Set.of("read_user"));
        given().header("PRIVATE-TOKEN", token).contentType("application/json").body("{}")
                .post("/api/v4/code_suggestions/completions")
                .then().statusCode(403)
                .body("error", equalTo("insufficient_scope"))
                .body("scope", equalTo("api ai_features"));
    }

    @Test
    void tokensAreIssuedWithTheGitLabPrefix() {
        org.assertj.core.api.Assertions.assertThat(data.token(Set.of("api"))).startsWith("glpat-").hasSize(38);
    }

    @Test
    void tokenRevokedThroughTheApiIsRefusedOnTheVeryNextRequest() {
        User user = data.user(User.ACTIVE);
        String token = data.token(user, Set.of("api"), LocalDate.now().plusDays(1));
        String admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        long id = ((Number) given().header("PRIVATE-TOKEN", token).get("/api/v4/personal_access_tokens/self")
                .then().statusCode(200).extract().path("id")).longValue();
        // Used again: now it is answered from the cache.
        given().header("PRIVATE-TOKEN", token).get("/api/v4/user").then().statusCode(200);

        given().header("PRIVATE-TOKEN", admin).delete("/api/v4/personal_access_tokens/" + id).then().statusCode(204);

        given().header("PRIVATE-TOKEN", token).get("/api/v4/user").then().statusCode(401)
                .body("message", equalTo("401 Unauthorized"));
        given().header("Authorization", "Bearer " + token).get("/api/v4/user").then().statusCode(401);
    }

    @Test
    void revokingOneTokenLeavesTheOwnersOtherTokensWorking() {
        User user = data.user(User.ACTIVE);
        String revoked = data.token(user, Set.of("api"), LocalDate.now().plusDays(1));
        String kept = data.token(user, Set.of("api"), LocalDate.now().plusDays(1));
        given().header("PRIVATE-TOKEN", kept).get("/api/v4/user").then().statusCode(200);
        given().header("PRIVATE-TOKEN", revoked).delete("/api/v4/personal_access_tokens/self").then().statusCode(204);
        given().header("PRIVATE-TOKEN", revoked).get("/api/v4/user").then().statusCode(401);
        given().header("PRIVATE-TOKEN", kept).get("/api/v4/user").then().statusCode(200);
    }

    @Test
    void enforcingCompositeIdentityStopsTheAccountsCachedPlainTokensAtOnce() {
        String admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        data.paidLicense();
        long account = ((Number) given().header("PRIVATE-TOKEN", admin).contentType("application/json").body("{}")
                .post("/api/v4/service_accounts").then().statusCode(201).extract().path("id")).longValue();
        String pat = given().header("PRIVATE-TOKEN", admin).contentType("application/json")
                .body("{\"name\":\"bot\",\"scopes\":[\"api\"]}")
                .post("/api/v4/users/" + account + "/personal_access_tokens").then().statusCode(201)
                .extract().path("token");
        given().header("PRIVATE-TOKEN", pat).get("/api/v4/user").then().statusCode(200);
        given().header("PRIVATE-TOKEN", admin).contentType("application/json")
                .body("{\"composite_identity_enforced\":true}").put("/api/v4/users/" + account)
                .then().statusCode(200);
        given().header("PRIVATE-TOKEN", pat).get("/api/v4/user").then().statusCode(401);
    }
}
