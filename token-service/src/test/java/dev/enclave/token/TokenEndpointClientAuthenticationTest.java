package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static dev.enclave.token.OAuthTestClient.REDIRECT_URI;
import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.code;
import static dev.enclave.token.OAuthTestClient.newOwnerId;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class TokenEndpointClientAuthenticationTest {

    @Test
    void clientSecretPostWorks() {
        OAuthTestClient.App app = app("api");
        String code = code(app, newOwnerId(), "api");
        given().formParam("client_id", app.clientId()).formParam("client_secret", app.secret())
                .formParam("grant_type", "authorization_code").formParam("code", code)
                .formParam("redirect_uri", REDIRECT_URI).post("/oauth/token")
                .then().statusCode(200).body("token_type", equalTo("Bearer"));
    }

    @Test
    void wrongSecretIsInvalidClientWithWwwAuthenticate() {
        OAuthTestClient.App app = app("api");
        given().auth().preemptive().basic(app.clientId(), "gloas-wrong")
                .formParam("grant_type", "client_credentials").formParam("audience", "model-adapter")
                .post("/oauth/token")
                .then().statusCode(401)
                .header("WWW-Authenticate", equalTo("Basic realm=\"token-service\""))
                .header("Cache-Control", equalTo("no-store"))
                .body("error", equalTo("invalid_client"));
    }

    @Test
    void unknownClientIsInvalidClient() {
        given().formParam("client_id", "nobody").formParam("client_secret", "x")
                .formParam("grant_type", "client_credentials").formParam("audience", "model-adapter")
                .post("/oauth/token")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void noClientAuthenticationIsInvalidClient() {
        given().formParam("grant_type", "client_credentials").formParam("audience", "model-adapter")
                .post("/oauth/token")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void aConfidentialClientMustSendItsSecret() {
        OAuthTestClient.App app = app("api");
        String code = code(app, newOwnerId(), "api");
        given().formParam("client_id", app.clientId())
                .formParam("grant_type", "authorization_code").formParam("code", code)
                .formParam("redirect_uri", REDIRECT_URI).post("/oauth/token")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void twoAuthenticationMethodsAtOnceAreInvalidRequest() {
        OAuthTestClient.App app = app("api");
        given().auth().preemptive().basic(app.clientId(), app.secret()).formParam("client_secret", app.secret())
                .formParam("grant_type", "client_credentials").formParam("audience", "model-adapter")
                .post("/oauth/token")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void unknownGrantTypeIsUnsupported() {
        OAuthTestClient.App app = app("api");
        given().auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("grant_type", "password").formParam("username", "root").formParam("password", "x")
                .post("/oauth/token")
                .then().statusCode(400).body("error", equalTo("unsupported_grant_type"));
    }

    @Test
    void missingGrantTypeIsInvalidRequest() {
        OAuthTestClient.App app = app("api");
        given().auth().preemptive().basic(app.clientId(), app.secret()).formParam("scope", "api")
                .post("/oauth/token")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }
}
