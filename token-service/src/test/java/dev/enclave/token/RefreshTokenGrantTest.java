package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.authorize;
import static dev.enclave.token.OAuthTestClient.claims;
import static dev.enclave.token.OAuthTestClient.isActive;
import static dev.enclave.token.OAuthTestClient.refresh;
import static dev.enclave.token.OAuthTestClient.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class RefreshTokenGrantTest {

    @Test
    void everyRefreshRotatesTheRefreshToken() throws Exception {
        OAuthTestClient.App app = app("api read_user");
        OAuthTestClient.Tokens first = authorize(app, "api read_user");

        Response response = refresh(app, first.refreshToken(), null);
        response.then().statusCode(200)
                .header("Cache-Control", equalTo("no-store"))
                .body("token_type", equalTo("Bearer")).body("expires_in", equalTo(7200))
                .body("scope", equalTo("api read_user"));
        OAuthTestClient.Tokens second = tokens(response);

        assertThat(second.refreshToken()).isNotEqualTo(first.refreshToken());
        assertThat(claims(second.accessToken()).getSubject()).isEqualTo(claims(first.accessToken()).getSubject());
        assertThat(isActive(first.refreshToken())).isFalse();
        assertThat(isActive(second.refreshToken())).isTrue();
    }

    @Test
    void reusingARotatedRefreshTokenRevokesTheWholeFamily() {
        OAuthTestClient.App app = app("api");
        OAuthTestClient.Tokens first = authorize(app, "api");
        OAuthTestClient.Tokens second = tokens(refresh(app, first.refreshToken(), null));
        OAuthTestClient.Tokens third = tokens(refresh(app, second.refreshToken(), null));

        refresh(app, first.refreshToken(), null).then().statusCode(400).body("error", equalTo("invalid_grant"));

        assertThat(isActive(first.accessToken())).isFalse();
        assertThat(isActive(second.accessToken())).isFalse();
        assertThat(isActive(third.accessToken())).isFalse();
        assertThat(isActive(third.refreshToken())).isFalse();
        refresh(app, third.refreshToken(), null).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aRefreshTokenUsedConcurrentlyIsExchangedOnceAndTheRaceCountsAsReuse() throws Exception {
        // Issue 15: two clients (or a retrying one) presenting the same refresh token at once. Exactly
        // one exchange may succeed; whatever else arrives with it is a reuse (400 invalid_grant, the
        // family revoked), never a second valid token pair and never a 500.
        OAuthTestClient.App app = app("api");
        OAuthTestClient.Tokens first = authorize(app, "api");
        int callers = 6;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        try {
            java.util.List<java.util.concurrent.Future<Response>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < callers; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return refresh(app, first.refreshToken(), null);
                }));
            }
            start.countDown();
            java.util.List<Response> done = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<Response> answer : answers) {
                done.add(answer.get(30, java.util.concurrent.TimeUnit.SECONDS));
            }
            java.util.List<Response> exchanged = done.stream().filter(r -> r.statusCode() == 200).toList();
            assertThat(exchanged).as("successful exchanges").hasSizeLessThanOrEqualTo(1);
            assertThat(done).as("every other answer is invalid_grant").allSatisfy(r -> {
                if (r.statusCode() != 200) {
                    assertThat(r.statusCode()).isEqualTo(400);
                    assertThat(r.jsonPath().getString("error")).isEqualTo("invalid_grant");
                }
            });
            assertThat(isActive(first.refreshToken())).isFalse();
            if (!exchanged.isEmpty() && done.size() > 1) {
                // the losers were a reuse of a rotated token: the winner's family is revoked too
                assertThat(isActive(tokens(exchanged.get(0)).refreshToken())).isFalse();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theUserScopeIsCarriedAcrossRefreshes() throws Exception {
        OAuthTestClient.App app = app("api user:*");
        OAuthTestClient.Tokens first = authorize(app, "api user:42");

        OAuthTestClient.Tokens refreshed = tokens(refresh(app, first.refreshToken(), null));

        assertThat(refreshed.scope()).isEqualTo("api user:42");
        assertThat(claims(refreshed.accessToken()).getStringClaimValue("scope")).isEqualTo("api user:42");
    }

    @Test
    void narrowingKeepsTheUserScopeAndTheNextRefreshGetsTheOriginalScopeBack() throws Exception {
        OAuthTestClient.App app = app("api read_user user:*");
        OAuthTestClient.Tokens first = authorize(app, "api read_user user:42");

        OAuthTestClient.Tokens narrowed = tokens(refresh(app, first.refreshToken(), "read_user"));
        assertThat(narrowed.scope()).isEqualTo("read_user user:42");
        assertThat(claims(narrowed.accessToken()).getStringClaimValue("scope")).isEqualTo("read_user user:42");

        // RFC 6749 section 6: the rotated refresh token keeps the scope of the one it replaced.
        assertThat(tokens(refresh(app, narrowed.refreshToken(), null)).scope()).isEqualTo("api read_user user:42");
    }

    @Test
    void wideningIsRefusedAndLeavesTheRefreshTokenUsable() {
        OAuthTestClient.App app = app("api read_user");
        OAuthTestClient.Tokens first = authorize(app, "read_user");

        refresh(app, first.refreshToken(), "read_user api").then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("Beyond what this client may be granted: api"));

        tokens(refresh(app, first.refreshToken(), null));
    }

    @Test
    void anotherUserScopeIsRefused() {
        OAuthTestClient.App app = app("api user:*");
        OAuthTestClient.Tokens first = authorize(app, "api user:42");

        refresh(app, first.refreshToken(), "api user:43").then().statusCode(400).body("error", equalTo("invalid_scope"));
    }

    @Test
    void aRefreshTokenIsBoundToItsClient() {
        OAuthTestClient.App owner = app("api");
        OAuthTestClient.App other = app("api");
        OAuthTestClient.Tokens first = authorize(owner, "api");

        refresh(other, first.refreshToken(), null).then().statusCode(400).body("error", equalTo("invalid_grant"));
        tokens(refresh(owner, first.refreshToken(), null));
    }

    @Test
    void missingRefreshTokenIsInvalidRequest() {
        OAuthTestClient.App app = app("api");
        refresh(app, null, null).then().statusCode(400).body("error", equalTo("invalid_request"));
    }
}
