package dev.enclave.token;

import dev.enclave.token.domain.OAuthGrant;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import static dev.enclave.token.OAuthTestClient.REDIRECT_URI;
import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.newOwnerId;
import static dev.enclave.token.OAuthTestClient.requestGrant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

@QuarkusTest
class GrantResourceTest {

    @Test
    void grantAnswersASingleCodeStoredOnlyAsItsDigest() throws Exception {
        OAuthTestClient.App app = app("api user:*");
        Response response = requestGrant(app.clientId(), newOwnerId(), "api user:42", REDIRECT_URI);
        response.then().statusCode(201)
                .header("Cache-Control", equalTo("no-store"))
                .body("code", matchesPattern("[0-9a-f]{64}"))
                .body("expires_in", equalTo(600));
        String code = response.path("code");
        String digest = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.UTF_8)));

        OAuthGrant stored = QuarkusTransaction.requiringNew().call(() -> OAuthGrant.findByCodeDigest(digest).orElseThrow());
        assertThat(stored.scopes).isEqualTo("api user:42");
        assertThat(stored.redirectUri).isEqualTo(REDIRECT_URI);
        assertThat(stored.usedAt).isNull();
    }

    @Test
    void userScopeNeedsAnApplicationThatDeclaresTheDynamicScope() {
        OAuthTestClient.App app = app("api");
        requestGrant(app.clientId(), newOwnerId(), "api user:42", REDIRECT_URI).then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("user:42 needs an application that declares user:*"));
    }

    @Test
    void scopesBeyondTheApplicationsAreRefusedByName() {
        OAuthTestClient.App app = app("read_api user:*");
        requestGrant(app.clientId(), newOwnerId(), "read_api api write_repository", REDIRECT_URI).then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("Not registered for the application: api, write_repository"));
    }

    @Test
    void atMostOneUserScope() {
        OAuthTestClient.App app = app("api user:*");
        requestGrant(app.clientId(), newOwnerId(), "api user:42 user:43", REDIRECT_URI).then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("At most one user:<id> scope, got user:42, user:43"));
    }

    @Test
    void theDynamicScopeItselfIsNeverGranted() {
        OAuthTestClient.App app = app("api user:*");
        requestGrant(app.clientId(), newOwnerId(), "api user:*", REDIRECT_URI).then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("Not registered for the application: user:*"));
    }

    @Test
    void redirectUriMustBeTheRegisteredOne() {
        OAuthTestClient.App app = app("api");
        requestGrant(app.clientId(), newOwnerId(), "api", "https://evil.example/cb").then().statusCode(400)
                .body("error", equalTo("invalid_request"));
    }

    @Test
    void unknownApplicationIsInvalidRequest() {
        requestGrant("0".repeat(64), newOwnerId(), "api", REDIRECT_URI).then().statusCode(400)
                .body("error", equalTo("invalid_request"));
    }

    @Test
    void emptyScopesAreRefused() {
        OAuthTestClient.App app = app("api");
        requestGrant(app.clientId(), newOwnerId(), " ", REDIRECT_URI).then().statusCode(400)
                .body("error", equalTo("invalid_scope"));
    }
}
