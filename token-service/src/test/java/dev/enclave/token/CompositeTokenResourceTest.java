package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.enclave.token.OAuthTestClient.ISSUER;
import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.claims;
import static dev.enclave.token.OAuthTestClient.composite;
import static dev.enclave.token.OAuthTestClient.compositeTokenEventsAfter;
import static dev.enclave.token.OAuthTestClient.lastCompositeTokenEventId;
import static dev.enclave.token.OAuthTestClient.isActive;
import static dev.enclave.token.OAuthTestClient.jti;
import static dev.enclave.token.OAuthTestClient.mintComposite;
import static dev.enclave.token.OAuthTestClient.newOwnerId;
import static dev.enclave.token.OAuthTestClient.refresh;
import static dev.enclave.token.OAuthTestClient.revocations;
import static dev.enclave.token.OAuthTestClient.revoke;
import static dev.enclave.token.OAuthTestClient.tokens;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

/**
 * Issue 14: composite identity without a grant ({@code POST /internal/v1/composite-tokens}): the
 * grant path's rules, the token endpoint's shapes and lifetimes, refresh and revocation as usual.
 */
@QuarkusTest
class CompositeTokenResourceTest {

    @Test
    void mintsAnAccessAndARefreshTokenShapedAsTheTokenEndpointAnswers() throws Exception {
        OAuthTestClient.App app = app("api read_user user:*");
        long owner = newOwnerId();
        long before = Instant.now().getEpochSecond();

        Response response = mintComposite(app.clientId(), owner, "api user:42");

        response.then().statusCode(201)
                .contentType(ContentType.JSON)
                .header("Cache-Control", equalTo("no-store"))
                .header("Pragma", equalTo("no-cache"))
                .body("token_type", equalTo("Bearer"))
                .body("expires_in", equalTo(7200))
                .body("refresh_token", matchesPattern("[0-9a-f]{64}"))
                .body("scope", equalTo("api user:42"));
        assertThat(response.jsonPath().getMap("$").keySet())
                .containsExactlyInAnyOrder("access_token", "token_type", "expires_in", "refresh_token", "scope",
                        "created_at");
        long createdAt = response.jsonPath().getLong("created_at");
        assertThat(createdAt).isBetween(before, Instant.now().getEpochSecond());

        JwtClaims claims = claims(response.path("access_token"));
        assertThat(claims.getSubject()).isEqualTo(String.valueOf(owner));
        assertThat(claims.getAudience()).containsExactly(ISSUER);
        assertThat(claims.getStringClaimValue("client_id")).isEqualTo(app.clientId());
        assertThat(claims.getStringClaimValue("scope")).isEqualTo("api user:42");
        assertThat(claims.getIssuedAt().getValue()).isEqualTo(createdAt);
        assertThat(claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue()).isEqualTo(7200);
        assertThat(isActive(response.path("access_token"))).isTrue();
        assertThat(isActive(response.path("refresh_token"))).isTrue();
    }

    @Test
    void refreshAtTheTokenEndpointKeepsTheUserScope() throws Exception {
        OAuthTestClient.App app = app("api read_user user:*");
        long owner = newOwnerId();
        OAuthTestClient.Tokens minted = composite(app, owner, "api read_user user:42");

        Response response = refresh(app, minted.refreshToken(), null);
        response.then().statusCode(200).body("expires_in", equalTo(7200)).body("token_type", equalTo("Bearer"));
        OAuthTestClient.Tokens refreshed = tokens(response);

        assertThat(refreshed.scope()).isEqualTo("api read_user user:42");
        JwtClaims claims = claims(refreshed.accessToken());
        assertThat(claims.getStringClaimValue("scope")).isEqualTo("api read_user user:42");
        assertThat(claims.getSubject()).isEqualTo(String.valueOf(owner));
        assertThat(refreshed.refreshToken()).isNotEqualTo(minted.refreshToken());
        assertThat(isActive(minted.refreshToken())).as("the old refresh token is spent").isFalse();

        // Narrowing keeps user:<id>; the refresh token after it keeps the original scope.
        OAuthTestClient.Tokens narrowed = tokens(refresh(app, refreshed.refreshToken(), "read_user"));
        assertThat(narrowed.scope()).isEqualTo("read_user user:42");
        assertThat(tokens(refresh(app, narrowed.refreshToken(), null)).scope()).isEqualTo("api read_user user:42");
    }

    @Test
    void reusingASpentRefreshTokenRevokesTheWholeFamily() {
        OAuthTestClient.App app = app("api user:*");
        OAuthTestClient.Tokens minted = composite(app, newOwnerId(), "api user:42");
        OAuthTestClient.Tokens second = tokens(refresh(app, minted.refreshToken(), null));

        refresh(app, minted.refreshToken(), null).then().statusCode(400).body("error", equalTo("invalid_grant"));

        assertThat(isActive(minted.accessToken())).isFalse();
        assertThat(isActive(second.accessToken())).isFalse();
        assertThat(isActive(second.refreshToken())).isFalse();
        refresh(app, second.refreshToken(), null).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void onlyTheApplicationRefreshesItsTokens() {
        OAuthTestClient.App app = app("api user:*");
        OAuthTestClient.App other = app("api user:*");
        OAuthTestClient.Tokens minted = composite(app, newOwnerId(), "api user:42");

        refresh(other, minted.refreshToken(), null).then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().auth().preemptive().basic(app.clientId(), "gloas-wrong")
                .formParam("grant_type", "refresh_token").formParam("refresh_token", minted.refreshToken())
                .post("/oauth/token").then().statusCode(401).body("error", equalTo("invalid_client"));
        tokens(refresh(app, minted.refreshToken(), null));
    }

    @Test
    void revocationWorksAsForGrantBornTokens() {
        OAuthTestClient.App app = app("api user:*");
        long since = Instant.now().toEpochMilli() - 1000;
        OAuthTestClient.Tokens accessRevoked = composite(app, newOwnerId(), "api user:42");
        OAuthTestClient.Tokens familyRevoked = composite(app, newOwnerId(), "api user:43");

        revoke(app, accessRevoked.accessToken()).then().statusCode(200);
        revoke(app, familyRevoked.refreshToken()).then().statusCode(200);

        assertThat(isActive(accessRevoked.accessToken())).isFalse();
        assertThat(isActive(familyRevoked.accessToken())).isFalse();
        assertThat(isActive(familyRevoked.refreshToken())).isFalse();
        List<String> listed = revocations(since).then().statusCode(200).extract().path("revocations.jti");
        assertThat(listed).contains(jti(accessRevoked.accessToken()), jti(familyRevoked.accessToken()));
        refresh(app, familyRevoked.refreshToken(), null).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void anUnknownApplicationIsNotFound() {
        mintComposite("0".repeat(64), newOwnerId(), "api user:42").then().statusCode(404)
                .body("error", equalTo("not_found"))
                .body("error_description", equalTo("No OAuth application " + "0".repeat(64)));
    }

    @Test
    void anApplicationWithoutTheDynamicUserScopeIsRefused() {
        OAuthTestClient.App app = app("api read_user");
        mintComposite(app.clientId(), newOwnerId(), "api user:42").then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("The application does not declare user:*: it cannot be given a "
                        + "user:<id> scope"));
    }

    @Test
    void scopesBeyondTheApplicationsAreRefusedByName() {
        OAuthTestClient.App app = app("read_api user:*");
        mintComposite(app.clientId(), newOwnerId(), "read_api api write_repository user:42").then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("Not registered for the application: api, write_repository"));
    }

    @Test
    void withoutAUserScopeIsRefused() {
        OAuthTestClient.App app = app("api user:*");
        mintComposite(app.clientId(), newOwnerId(), "api").then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("Exactly one user:<id> scope, naming the user the service account "
                        + "acts for; got none"));
    }

    @Test
    void twoUserScopesAreRefused() {
        OAuthTestClient.App app = app("api user:*");
        mintComposite(app.clientId(), newOwnerId(), "api user:42 user:43").then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("Exactly one user:<id> scope, got user:42, user:43"));
    }

    @Test
    void theDynamicScopeAndMalformedUserScopesAreNotUserScopes() {
        OAuthTestClient.App app = app("api user:*");
        for (String scopes : List.of("api user:* user:42", "api user:0 user:42", "api user:abc user:42",
                "api user:9223372036854775808 user:42")) {
            mintComposite(app.clientId(), newOwnerId(), scopes).then().statusCode(400)
                    .body("error", equalTo("invalid_scope"))
                    .body("error_description", matchesPattern("Not registered for the application: user:.*"));
        }
    }

    @Test
    void aPublicApplicationIsRefusedAsItCouldNotRefresh() {
        OAuthTestClient.App app = app("api user:*", false);
        mintComposite(app.clientId(), newOwnerId(), "api user:42").then().statusCode(400)
                .body("error", equalTo("unauthorized_client"));
    }

    @Test
    void missingOrInvalidFieldsAreInvalidRequest() {
        OAuthTestClient.App app = app("api user:*");
        mintComposite(null, newOwnerId(), "api user:42").then().statusCode(400)
                .body("error", equalTo("invalid_request")).body("error_description", equalTo("application_id is required"));
        mintComposite(app.clientId(), null, "api user:42").then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("resource_owner_id must be a user id"));
        mintComposite(app.clientId(), 0L, "api user:42").then().statusCode(400).body("error", equalTo("invalid_request"));
        mintComposite(app.clientId(), newOwnerId(), " ").then().statusCode(400).body("error", equalTo("invalid_scope"));
        given().auth().preemptive().basic(OAuthTestClient.INSTANCE_ID, OAuthTestClient.INSTANCE_SECRET)
                .contentType(ContentType.JSON).post("/internal/v1/composite-tokens").then().statusCode(400)
                .body("error", equalTo("invalid_request"));
    }

    @Test
    void onlyTheInstanceMayMint() {
        OAuthTestClient.App app = app("api user:*");
        Map<String, Object> body = Map.of("application_id", app.clientId(), "resource_owner_id", newOwnerId(),
                "scopes", "api user:42");
        given().contentType(ContentType.JSON).body(body).post("/internal/v1/composite-tokens").then().statusCode(401)
                .body("error", equalTo("invalid_client"));
        given().auth().preemptive().basic(OAuthTestClient.INSTANCE_ID, "wrong").contentType(ContentType.JSON)
                .body(body).post("/internal/v1/composite-tokens").then().statusCode(401);
        // An application cannot mint for itself with its own credentials.
        given().auth().preemptive().basic(app.clientId(), app.secret()).contentType(ContentType.JSON)
                .body(body).post("/internal/v1/composite-tokens").then().statusCode(401);
        given().auth().preemptive().basic(OAuthTestClient.VERIFIER_ID, OAuthTestClient.VERIFIER_SECRET)
                .contentType(ContentType.JSON).body(body).post("/internal/v1/composite-tokens").then().statusCode(401);
    }

    @Test
    void aRefusedMintIssuesAndRecordsNothing() {
        OAuthTestClient.App app = app("api user:*");
        long last = lastCompositeTokenEventId();
        long owner = newOwnerId();

        mintComposite(app.clientId(), owner, "api user:42 user:43").then().statusCode(400);
        mintComposite(app.clientId(), owner, "write_repository user:42").then().statusCode(400);
        mintComposite(app.clientId(), owner, "api").then().statusCode(400);

        assertThat(compositeTokenEventsAfter(last)).extracting(e -> ((Number) e.get("resource_owner_id")).longValue())
                .doesNotContain(owner);
    }
}
