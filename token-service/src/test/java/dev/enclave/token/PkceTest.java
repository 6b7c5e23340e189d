package dev.enclave.token;

import dev.enclave.token.domain.OAuthApplication;
import dev.enclave.token.domain.OAuthRefreshToken;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static dev.enclave.token.OAuthTestClient.REDIRECT_URI;
import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.exchange;
import static dev.enclave.token.OAuthTestClient.exchangeAsPublicClient;
import static dev.enclave.token.OAuthTestClient.isActive;
import static dev.enclave.token.OAuthTestClient.newCodeVerifier;
import static dev.enclave.token.OAuthTestClient.newOwnerId;
import static dev.enclave.token.OAuthTestClient.requestGrant;
import static dev.enclave.token.OAuthTestClient.requestGrantWithPkce;
import static dev.enclave.token.OAuthTestClient.s256;
import static dev.enclave.token.OAuthTestClient.tokens;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** RFC 7636 PKCE, S256 only; required for public clients (issue 12, finding 11). */
@QuarkusTest
class PkceTest {

    static String pkceCode(OAuthTestClient.App app, String verifier) {
        return requestGrantWithPkce(app.clientId(), newOwnerId(), "api", s256(verifier)).then().statusCode(201)
                .extract().path("code");
    }

    static Response refreshAsPublicClient(OAuthTestClient.App app, String refreshToken) {
        return given().formParam("client_id", app.clientId()).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refreshToken).post("/oauth/token");
    }

    @Test
    void aPublicClientExchangesWithItsIdAndTheMatchingVerifier() {
        OAuthTestClient.App app = app("api", false);
        String verifier = newCodeVerifier();
        String code = pkceCode(app, verifier);

        OAuthTestClient.Tokens tokens = tokens(exchangeAsPublicClient(app, code, verifier));

        assertThat(isActive(tokens.accessToken())).isTrue();
    }

    @Test
    void aPublicClientsGrantWithoutAChallengeIsRefusedWhenCreated() {
        OAuthTestClient.App app = app("api", false);
        requestGrant(app.clientId(), newOwnerId(), "api", REDIRECT_URI).then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo(
                        "A public client's grant needs PKCE: code_challenge and code_challenge_method=S256"));
    }

    @Test
    void anExchangeWithoutTheVerifierOrWithAWrongOneIsInvalidGrantAndSpendsNothing() {
        OAuthTestClient.App app = app("api", false);
        String verifier = newCodeVerifier();
        String code = pkceCode(app, verifier);

        exchangeAsPublicClient(app, code, null).then().statusCode(400).body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo(
                        "code_verifier is required: the code was granted with a code_challenge"));
        exchangeAsPublicClient(app, code, newCodeVerifier()).then().statusCode(400)
                .body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo("code_verifier does not match the code_challenge"));
        // The challenge itself is no verifier.
        exchangeAsPublicClient(app, code, s256(verifier)).then().statusCode(400).body("error", equalTo("invalid_grant"));

        tokens(exchangeAsPublicClient(app, code, verifier));
    }

    @Test
    void aConfidentialClientMayUsePkceAndThenMustSendTheVerifierToo() {
        OAuthTestClient.App app = app("api");
        String verifier = newCodeVerifier();
        String code = pkceCode(app, verifier);

        exchange(app, code).then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "authorization_code").formParam("code", code)
                .formParam("redirect_uri", REDIRECT_URI).formParam("code_verifier", verifier).post("/oauth/token")
                .then().statusCode(200);
    }

    @Test
    void aVerifierForAGrantMadeWithoutAChallengeIsRefused() {
        OAuthTestClient.App app = app("api");
        String code = OAuthTestClient.code(app, newOwnerId(), "api");

        given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "authorization_code").formParam("code", code)
                .formParam("redirect_uri", REDIRECT_URI).formParam("code_verifier", newCodeVerifier())
                .post("/oauth/token")
                .then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void onlyS256AndWellFormedChallengesAreAccepted() {
        OAuthTestClient.App app = app("api", false);
        String challenge = s256(newCodeVerifier());
        for (var method : new String[]{"plain", null}) {
            var body = new java.util.LinkedHashMap<String, Object>();
            body.put("application_id", app.clientId());
            body.put("resource_owner_id", newOwnerId());
            body.put("scopes", "api");
            body.put("redirect_uri", REDIRECT_URI);
            body.put("code_challenge", challenge);
            if (method != null) {
                body.put("code_challenge_method", method);
            }
            given().auth().preemptive().basic(OAuthTestClient.INSTANCE_ID, OAuthTestClient.INSTANCE_SECRET)
                    .contentType(io.restassured.http.ContentType.JSON).body(body).post("/internal/v1/grants")
                    .then().statusCode(400).body("error", equalTo("invalid_request"))
                    .body("error_description", equalTo("code_challenge_method must be S256 (plain is not supported)"));
        }
        requestGrantWithPkce(app.clientId(), newOwnerId(), "api", "too-short").then().statusCode(400)
                .body("error", equalTo("invalid_request"));
    }

    @Test
    void aPublicClientRefreshesAPkceBornFamilyWithItsIdAlone() {
        OAuthTestClient.App app = app("api", false);
        String verifier = newCodeVerifier();
        OAuthTestClient.Tokens first = tokens(exchangeAsPublicClient(app, pkceCode(app, verifier), verifier));

        OAuthTestClient.Tokens second = tokens(refreshAsPublicClient(app, first.refreshToken()));
        tokens(refreshAsPublicClient(app, second.refreshToken()));

        // Rotation still guards it: the spent token revokes the family.
        refreshAsPublicClient(app, first.refreshToken()).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aPublicClientCannotRefreshAFamilyNotBornFromPkce() {
        // A refresh token from before PKCE was required (the V3 migration marks every existing family pkce=false).
        OAuthTestClient.App app = app("api", false);
        String refreshToken = OAuthTestClient.newCodeVerifier();
        QuarkusTransaction.requiringNew().run(() -> {
            OAuthRefreshToken legacy = new OAuthRefreshToken();
            legacy.tokenDigest = OAuthTestClient.s256Hex(refreshToken);
            legacy.familyId = UUID.randomUUID().toString();
            legacy.application = OAuthApplication.findByUid(app.clientId()).orElseThrow();
            legacy.resourceOwnerId = newOwnerId();
            legacy.scopes = "api";
            legacy.createdAt = Instant.now();
            legacy.expiresAt = Instant.now().plusSeconds(3600);
            legacy.pkce = false;
            legacy.persist();
        });

        refreshAsPublicClient(app, refreshToken).then().statusCode(400).body("error", equalTo("invalid_grant"))
                .body("error_description", equalTo(
                        "A public client may refresh only tokens from a PKCE grant; authorize again with code_challenge"));
    }
}
