package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.claims;
import static dev.enclave.token.OAuthTestClient.clientCredentials;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/**
 * client_credentials for applications. The internal audiences (model-adapter, token-service) are
 * for the declared service clients only (ServiceClientRegistrationTest); the test profile adds the
 * audience {@code partner-api}, which applications may have.
 */
@QuarkusTest
class ClientCredentialsGrantTest {

    /** Issue 12, finding 2. */
    @Test
    void anApplicationCreatedThroughTheApiGetsNoTokenForAnInternalService() {
        OAuthTestClient.App app = app("api ai_features read_api");

        clientCredentials(app, "model-adapter").then().statusCode(400)
                .header("Cache-Control", equalTo("no-store"))
                .body("error", equalTo("invalid_target"))
                .body("error_description", equalTo("Tokens for model-adapter are only for the service clients the "
                        + "deployment declares, not for applications"));
        given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "client_credentials").formParam("resource", "token-service")
                .post("/oauth/token")
                .then().statusCode(400).body("error", equalTo("invalid_target"))
                .body("access_token", nullValue());
    }

    @Test
    void tokenIsForTheRequestedAudienceWithTheClientAsSubjectAndNoRefreshToken() throws Exception {
        OAuthTestClient.App app = app("api ai_features user:*");

        Response response = clientCredentials(app, "partner-api");

        response.then().statusCode(200)
                .body("token_type", equalTo("Bearer")).body("expires_in", equalTo(7200))
                .body("scope", equalTo("api ai_features"))
                .body("refresh_token", nullValue());
        JwtClaims claims = claims(response.path("access_token"));
        assertThat(claims.getAudience()).containsExactly("partner-api");
        assertThat(claims.getSubject()).isEqualTo(app.clientId());
        assertThat(claims.getStringClaimValue("client_id")).isEqualTo(app.clientId());
        assertThat(claims.getStringClaimValue("scope")).isEqualTo("api ai_features");
    }

    @Test
    void rfc8707ResourceNamesTheAudienceToo() throws Exception {
        OAuthTestClient.App app = app("api");
        String token = given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "client_credentials").formParam("resource", "partner-api")
                .post("/oauth/token").then().statusCode(200).extract().path("access_token");
        assertThat(claims(token).getAudience()).containsExactly("partner-api");
    }

    @Test
    void scopeMayNarrowButNotIncludeTheUserScope() {
        OAuthTestClient.App app = app("api read_api user:*");
        given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "client_credentials").formParam("audience", "partner-api")
                .formParam("scope", "read_api").post("/oauth/token")
                .then().statusCode(200).body("scope", equalTo("read_api"));
        given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "client_credentials").formParam("audience", "partner-api")
                .formParam("scope", "read_api user:42").post("/oauth/token")
                .then().statusCode(400).body("error", equalTo("invalid_scope"));
    }

    @Test
    void unknownAudienceIsInvalidTarget() {
        OAuthTestClient.App app = app("api");
        clientCredentials(app, "billing").then().statusCode(400).body("error", equalTo("invalid_target"));
    }

    @Test
    void audienceIsRequired() {
        OAuthTestClient.App app = app("api");
        given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "client_credentials").post("/oauth/token")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void publicClientsMayNotUseClientCredentials() {
        OAuthTestClient.App app = app("api", false);
        given().formParam("client_id", app.clientId())
                .formParam("grant_type", "client_credentials").formParam("audience", "partner-api")
                .post("/oauth/token")
                .then().statusCode(400).body("error", equalTo("unauthorized_client"));
    }
}
