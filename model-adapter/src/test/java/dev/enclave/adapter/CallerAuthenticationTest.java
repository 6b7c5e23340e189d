package dev.enclave.adapter;

import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import dev.enclave.adapter.security.RevokedAccessTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Every call must carry an access token that token-service issued for model-adapter, and not revoked. */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class CallerAuthenticationTest {

    @Inject
    RevokedAccessTokens revocations;

    private StubMapping revocationStub;

    @BeforeEach
    void reset() {
        SimulatedModelServer.reset();
    }

    @AfterEach
    void restoreTheEmptyRevocationList() {
        if (revocationStub != null) {
            FakeTokenService.server.removeStub(revocationStub);
            revocationStub = null;
        }
    }

    private static Map<String, Object> completion() {
        return Map.of("model", Map.of("provider", "openai_compatible", "endpoint",
                        SimulatedModelServer.simulator.baseUrl(), "identifier", SimulatedModelServer.MODEL,
                        "api_key", SimulatedModelServer.API_KEY),
                "prompt", "def add(a, b):", "max_tokens", 4);
    }

    private static ValidatableResponse callWith(String authorization) {
        var request = given().contentType(ContentType.JSON).body(completion());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request.post("/v1/completions").then();
    }

    private static void refused(String authorization, String message) {
        callWith(authorization).statusCode(401)
                .header("WWW-Authenticate", "Bearer error=\"invalid_token\"")
                .body("error", equalTo("invalid_token"))
                .body("message", equalTo(message));
        assertThat(SimulatedModelServer.simulator.recordedRequests()).isEmpty();
    }

    private static void challenged(String authorization) {
        callWith(authorization).statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .body("error", equalTo("invalid_token"))
                .body("message", equalTo("an Authorization: Bearer access token from token-service is required"));
        assertThat(SimulatedModelServer.simulator.recordedRequests()).isEmpty();
    }

    @Test
    void aValidTokenReachesTheModel() {
        callWith("Bearer " + TestTokens.valid()).statusCode(200).body("model", equalTo(SimulatedModelServer.MODEL));
        assertThat(SimulatedModelServer.simulator.recordedRequests()).hasSize(1);
    }

    @Test
    void noTokenIsRefused() {
        challenged(null);
        challenged("Basic YWk6Z2F0ZXdheQ==");
        challenged("Bearer ");
    }

    @Test
    void somethingOtherThanAJwtIsRefused() {
        refused("Bearer not-a-jwt", "the bearer token is not an RS256 access token signed by token-service");
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() {
        // e.g. a self-issued AI token, meant for the gateway
        refused("Bearer " + TestTokens.valid(claims -> claims.setAudience("gitlab-ai-gateway")),
                "the bearer token is not meant for model-adapter (aud)");
    }

    @Test
    void anExpiredTokenIsRefused() {
        refused("Bearer " + TestTokens.valid(claims -> {
            claims.setIssuedAt(NumericDate.fromSeconds(NumericDate.now().getValue() - 7300));
            claims.setExpirationTime(NumericDate.fromSeconds(NumericDate.now().getValue() - 100));
        }), "the bearer token has expired");
    }

    @Test
    void aTokenFromAnotherIssuerIsRefused() {
        refused("Bearer " + TestTokens.valid(claims -> claims.setIssuer("http://elsewhere.example")),
                "the bearer token was not issued by token-service (iss)");
    }

    @Test
    void aTokenSignedWithAnUnpublishedKeyIsRefused() {
        refused("Bearer " + TestTokens.sign(TestTokens.UNKNOWN, TestTokens.claims(), "at+jwt"),
                "the bearer token is not an RS256 access token signed by token-service");
    }

    @Test
    void anUnsignedTokenIsRefused() {
        refused("Bearer " + TestTokens.unsigned(),
                "the bearer token is not an RS256 access token signed by token-service");
    }

    @Test
    void hs256WithThePublicKeyAsSecretIsRefused() {
        refused("Bearer " + TestTokens.hmacWithPublicKey(),
                "the bearer token is not an RS256 access token signed by token-service");
    }

    @Test
    void aSignedJwtThatIsNotAnAccessTokenIsRefused() {
        refused("Bearer " + TestTokens.sign(TestTokens.PUBLISHED, TestTokens.claims(), "JWT"),
                "the bearer token is not an access token (typ must be at+jwt)");
    }

    @Test
    void aTokenWithoutJtiIsRefused() {
        refused("Bearer " + TestTokens.valid(claims -> claims.unsetClaim("jti")), "the bearer token has no jti");
    }

    @Test
    void aCorrectlySignedTokenIssuedToAnotherClientIsRefused() {
        // what token-service gives any confidential application asking for audience=model-adapter (issue 12 #2)
        String token = TestTokens.valid(claims -> {
            claims.setStringClaim("client_id", "reporting-app");
            claims.setSubject("reporting-app");
        });
        callWith("Bearer " + token).statusCode(403)
                .header("WWW-Authenticate", "Bearer error=\"insufficient_scope\"")
                .body("error", equalTo("invalid_token"))
                .body("message", equalTo("the bearer token was issued to client 'reporting-app', which may not call "
                        + "model-adapter (enclave.adapter.allowed-clients)"));
        assertThat(SimulatedModelServer.simulator.recordedRequests()).isEmpty();
    }

    @Test
    void aTokenThatNamesNoClientIsRefused() {
        refused("Bearer " + TestTokens.valid(claims -> claims.unsetClaim("client_id")),
                "the bearer token names no client (client_id)");
    }

    @Test
    void aRevokedTokenIsRefusedFromThePollOnAndWhileTokenServiceIsDown() {
        String jti = UUID.randomUUID().toString();
        String token = TestTokens.valid(claims -> claims.setJwtId(jti));
        String other = TestTokens.valid();
        callWith("Bearer " + token).statusCode(200);
        SimulatedModelServer.reset();

        long expiresAt = NumericDate.now().getValue() + 3600;
        revocationStub = FakeTokenService.server.stubFor(get(urlPathEqualTo("/internal/v1/revocations"))
                .withBasicAuth(FakeTokenService.VERIFIER_ID, FakeTokenService.VERIFIER_SECRET)
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody("{\"revocations\":[{\"jti\":\"" + jti + "\",\"expires_at\":" + expiresAt
                                + "}],\"now\":" + System.currentTimeMillis() + "}")));
        revocations.refresh();

        refused("Bearer " + token, "the bearer token has been revoked");
        callWith("Bearer " + other).statusCode(200);
        SimulatedModelServer.reset();

        // token-service goes away: the last list stays in force
        FakeTokenService.server.removeStub(revocationStub);
        revocationStub = FakeTokenService.server.stubFor(get(urlPathEqualTo("/internal/v1/revocations"))
                .willReturn(aResponse().withStatus(503)));
        revocations.refresh();
        refused("Bearer " + token, "the bearer token has been revoked");
        assertThat(FakeTokenService.server.findAll(getRequestedFor(urlPathEqualTo("/internal/v1/revocations"))))
                .isNotEmpty()
                .allSatisfy(poll -> assertThat(poll.queryParameter("since").isPresent()).isTrue());
    }
}
