package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

import java.util.Base64;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Service clients declared in configuration get client_credentials tokens without an admin step. */
@QuarkusTest
class ServiceClientRegistrationTest {

    @Test
    void declaredServiceClientGetsATokenForModelAdapter() throws Exception {
        String token = given().auth().preemptive().basic("ai-gateway", "test-gateway-secret")
                .formParam("grant_type", "client_credentials").formParam("audience", "model-adapter")
                .post("/oauth/token").then().statusCode(200).body("scope", equalTo("read_api"))
                .extract().path("access_token");
        JwtClaims claims = JwtClaims.parse(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1])));
        assertThat(claims.getAudience()).containsExactly("model-adapter");
        assertThat(claims.getSubject()).isEqualTo("ai-gateway");
    }

    @Test
    void aWrongSecretIsRefused() {
        given().auth().preemptive().basic("ai-gateway", "guess")
                .formParam("grant_type", "client_credentials").formParam("audience", "model-adapter")
                .post("/oauth/token").then().statusCode(401).body("error", equalTo("invalid_client"));
    }
}
