package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.enclave.token.OAuthTestClient.INSTANCE_ID;
import static dev.enclave.token.OAuthTestClient.INSTANCE_SECRET;
import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.authorize;
import static dev.enclave.token.OAuthTestClient.isActive;
import static dev.enclave.token.OAuthTestClient.jti;
import static dev.enclave.token.OAuthTestClient.refresh;
import static dev.enclave.token.OAuthTestClient.revocations;
import static dev.enclave.token.OAuthTestClient.revoke;
import static dev.enclave.token.OAuthTestClient.tokens;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

@QuarkusTest
class TokenRevocationTest {

    @Inject
    TestClock clock;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    static long now() {
        return revocations(0).then().statusCode(200).extract().<Number>path("now").longValue();
    }

    @Test
    void aRevokedAccessTokenIsInactiveAndListedForVerifiersUntilItExpires() throws Exception {
        OAuthTestClient.App app = app("api");
        OAuthTestClient.Tokens tokens = authorize(app, "api");
        String jti = jti(tokens.accessToken());
        long exp = OAuthTestClient.claims(tokens.accessToken()).getExpirationTime().getValue();
        long before = now();

        revoke(app, tokens.accessToken()).then().statusCode(200).body(equalTo("{}"));

        assertThat(isActive(tokens.accessToken())).isFalse();
        var listed = revocations(before).then().statusCode(200).extract();
        assertThat(listed.<String>path("revocations.find { it.jti == '" + jti + "' }.jti")).isEqualTo(jti);
        assertThat(listed.<Number>path("revocations.find { it.jti == '" + jti + "' }.expires_at").longValue())
                .isEqualTo(exp);
        long after = listed.<Number>path("now").longValue();
        revocations(after).then().body("revocations.jti", not(hasItem(jti)));
        // Revoking an access token leaves its refresh token alone (RFC 7009 section 2.1: "MAY").
        assertThat(isActive(tokens.refreshToken())).isTrue();

        clock.advance(Duration.ofHours(2).plusSeconds(1));
        revocations(0).then().body("revocations.jti", not(hasItem(jti)));
    }

    @Test
    void revokingARefreshTokenRevokesItsFamily() {
        OAuthTestClient.App app = app("api");
        OAuthTestClient.Tokens first = authorize(app, "api");
        OAuthTestClient.Tokens second = tokens(refresh(app, first.refreshToken(), null));

        revoke(app, second.refreshToken()).then().statusCode(200);

        assertThat(isActive(first.accessToken())).isFalse();
        assertThat(isActive(second.accessToken())).isFalse();
        refresh(app, second.refreshToken(), null).then().statusCode(400).body("error", equalTo("invalid_grant"));
        revocations(0).then().body("revocations.jti", hasItem(jti(second.accessToken())));
    }

    @Test
    void unknownTokensAnswer200() {
        OAuthTestClient.App app = app("api");
        revoke(app, "no-such-token").then().statusCode(200).body(equalTo("{}"));
        revoke(app, "eyJhbGciOiJub25lIn0.e30.").then().statusCode(200);
    }

    @Test
    void aClientCannotRevokeAnotherClientsTokensAndIsNotTold() {
        OAuthTestClient.App owner = app("api");
        OAuthTestClient.App other = app("api");
        OAuthTestClient.Tokens tokens = authorize(owner, "api");

        revoke(other, tokens.accessToken()).then().statusCode(200);
        revoke(other, tokens.refreshToken()).then().statusCode(200);

        assertThat(isActive(tokens.accessToken())).isTrue();
        assertThat(isActive(tokens.refreshToken())).isTrue();
    }

    @Test
    void revocationNeedsClientAuthenticationAndAToken() {
        OAuthTestClient.App app = app("api");
        given().formParam("token", "x").post("/oauth/revoke").then().statusCode(401).body("error", equalTo("invalid_client"));
        given().auth().preemptive().basic(app.clientId(), app.secret()).formParam("token_type_hint", "access_token")
                .post("/oauth/revoke").then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void theRevocationListIsForTheInstanceAndTheConfiguredVerifierOnly() {
        given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET).get("/internal/v1/revocations")
                .then().statusCode(200);
        given().auth().preemptive().basic("model-adapter", "test-verifier-secret").get("/internal/v1/revocations")
                .then().statusCode(200);
        OAuthTestClient.App app = app("api");
        given().auth().preemptive().basic(app.clientId(), app.secret()).get("/internal/v1/revocations")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
        given().get("/internal/v1/revocations").then().statusCode(401);
        given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET).queryParam("since", "yesterday")
                .get("/internal/v1/revocations").then().statusCode(400).body("error", equalTo("invalid_request"));
    }
}
