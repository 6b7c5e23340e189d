package dev.enclave.token;

import dev.enclave.token.domain.OAuthApplication;
import dev.enclave.token.service.AccessTokenMinter;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.enclave.token.OAuthTestClient.ISSUER;
import static dev.enclave.token.OAuthTestClient.REDIRECT_URI;
import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.code;
import static dev.enclave.token.OAuthTestClient.exchange;
import static dev.enclave.token.OAuthTestClient.isActive;
import static dev.enclave.token.OAuthTestClient.newOwnerId;
import static dev.enclave.token.OAuthTestClient.refresh;
import static dev.enclave.token.OAuthTestClient.tokens;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

@QuarkusTest
class AuthorizationCodeGrantTest {

    @Inject
    TestClock clock;

    @Inject
    AccessTokenMinter minter;

    @TestHTTPResource("/oauth/token")
    URI tokenEndpoint;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void exchangeAnswersAnRfc9068AccessTokenAndARefreshToken() throws Exception {
        OAuthTestClient.App app = app("api read_user user:*");
        long owner = newOwnerId();
        Response response = exchange(app, code(app, owner, "api user:42"));

        response.then().statusCode(200)
                .header("Cache-Control", equalTo("no-store"))
                .header("Pragma", equalTo("no-cache"))
                .body("token_type", equalTo("Bearer"))
                .body("expires_in", equalTo(7200))
                .body("scope", equalTo("api user:42"))
                .body("refresh_token", matchesPattern("[0-9a-f]{64}"));
        JwtContext verified = OAuthTestClient.verify(response.path("access_token"));
        assertThat(verified.getJoseObjects().get(0).getAlgorithmHeaderValue()).isEqualTo("RS256");
        assertThat(verified.getJoseObjects().get(0).getKeyIdHeaderValue()).isNotBlank();
        JwtClaims claims = verified.getJwtClaims();
        assertThat(claims.getIssuer()).isEqualTo(ISSUER);
        assertThat(claims.getSubject()).isEqualTo(String.valueOf(owner));
        assertThat(claims.getAudience()).containsExactly(ISSUER);
        assertThat(claims.getStringClaimValue("client_id")).isEqualTo(app.clientId());
        assertThat(claims.getStringClaimValue("scope")).isEqualTo("api user:42");
        UUID.fromString(claims.getJwtId());
        long iat = claims.getIssuedAt().getValue();
        assertThat(claims.getExpirationTime().getValue()).isEqualTo(iat + 7200);
        assertThat(((Number) response.path("created_at")).longValue()).isEqualTo(iat);
        assertThat(claims.getClaimNames()).containsExactlyInAnyOrder("iss", "sub", "aud", "client_id", "scope",
                "jti", "iat", "exp");
    }

    @Test
    void aReplayedCodeIsRefusedAndRevokesWhatTheFirstExchangeIssued() {
        OAuthTestClient.App app = app("api");
        String code = code(app, newOwnerId(), "api");
        OAuthTestClient.Tokens first = tokens(exchange(app, code));
        assertThat(isActive(first.accessToken())).isTrue();

        exchange(app, code).then().statusCode(400).body("error", equalTo("invalid_grant"));

        assertThat(isActive(first.accessToken())).isFalse();
        assertThat(isActive(first.refreshToken())).isFalse();
        refresh(app, first.refreshToken(), null).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void concurrentExchangesOfOneCodeYieldOneSetOfTokens() throws Exception {
        OAuthTestClient.App app = app("api");
        String code = code(app, newOwnerId(), "api");
        String form = "grant_type=authorization_code&code=" + code + "&redirect_uri="
                + URLEncoder.encode(REDIRECT_URI, StandardCharsets.UTF_8);
        String basic = "Basic " + Base64.getEncoder().encodeToString(
                (app.clientId() + ":" + app.secret()).getBytes(StandardCharsets.UTF_8));
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(http.sendAsync(HttpRequest.newBuilder(tokenEndpoint)
                    .header("Authorization", basic)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> answer = call.get();
            statuses.add(answer.statusCode());
            if (answer.statusCode() != 200) {
                assertThat(answer.body()).contains("\"invalid_grant\"");
            }
        }
        assertThat(statuses).containsOnlyOnce(200).containsOnly(200, 400);
    }

    @Test
    void aFailureAfterTheCodeIsClaimedLeavesTheCodeUnused() {
        AccessTokenMinter real = ClientProxy.unwrap(minter);
        AtomicBoolean failed = new AtomicBoolean();
        QuarkusMock.installMockForType(new AccessTokenMinter(null, null) {
            @Override
            public AccessToken mint(OAuthApplication client, String subject, String audience, String scope,
                                    String familyId, Instant now) {
                if (failed.compareAndSet(false, true)) {
                    throw new IllegalStateException("signing failed (test)");
                }
                return real.mint(client, subject, audience, scope, familyId, now);
            }
        }, AccessTokenMinter.class);
        OAuthTestClient.App app = app("api");
        String code = code(app, newOwnerId(), "api");

        exchange(app, code).then().statusCode(500);

        OAuthTestClient.Tokens tokens = tokens(exchange(app, code));
        assertThat(isActive(tokens.accessToken())).isTrue();
    }

    @Test
    void aCodeIsBoundToItsClient() {
        OAuthTestClient.App owner = app("api");
        OAuthTestClient.App other = app("api");
        String code = code(owner, newOwnerId(), "api");

        exchange(other, code).then().statusCode(400).body("error", equalTo("invalid_grant"));
        // The other client's attempt did not burn the code.
        tokens(exchange(owner, code));
    }

    @Test
    void aCodeIsBoundToItsRedirectUri() {
        OAuthTestClient.App app = app("api");
        String code = code(app, newOwnerId(), "api");

        given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "authorization_code").formParam("code", code)
                .formParam("redirect_uri", "https://agent.example/other").post("/oauth/token")
                .then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "authorization_code").formParam("code", code).post("/oauth/token")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void aCodeExpiresAfterTenMinutes() {
        OAuthTestClient.App app = app("api");
        String code = code(app, newOwnerId(), "api");

        clock.advance(Duration.ofMinutes(11));

        exchange(app, code).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void anUnknownCodeIsInvalidGrant() {
        OAuthTestClient.App app = app("api");
        exchange(app, "f".repeat(64)).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    // Public clients: PkceTest (their grants need a code_challenge, their exchanges the verifier).
}
