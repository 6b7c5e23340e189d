package dev.enclave.instance;

import com.github.tomakehurst.wiremock.client.BasicCredentials;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;

/** The public OAuth paths forwarded to token-service, and the admin applications API. */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class TokenServiceFacadeTest {

    @Inject
    TestData data;

    @BeforeEach
    void reset() {
        FakeTokenServiceAndGateway.reset();
    }

    @Test
    void discoveryIsForwarded() {
        FakeTokenServiceAndGateway.server.stubFor(get(urlEqualTo("/.well-known/openid-configuration"))
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody("{\"issuer\":\"http://localhost:8080\"}")));
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("issuer", org.hamcrest.Matchers.equalTo("http://localhost:8080"));
    }

    @Test
    void tokenRequestsAreForwardedWithTheirCredentialsAndAnswersKeepTheirHeaders() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/oauth/token")).willReturn(aResponse()
                .withStatus(401).withHeader("Content-Type", "application/json")
                .withHeader("WWW-Authenticate", "Basic realm=\"token-service\"")
                .withHeader("Cache-Control", "no-store")
                .withBody("{\"error\":\"invalid_client\"}")));
        given().auth().preemptive().basic("app", "secret").formParam("grant_type", "client_credentials")
                .post("/oauth/token").then().statusCode(401)
                .header("WWW-Authenticate", org.hamcrest.Matchers.equalTo("Basic realm=\"token-service\""))
                .header("Cache-Control", org.hamcrest.Matchers.equalTo("no-store"))
                .body("error", org.hamcrest.Matchers.equalTo("invalid_client"));
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/oauth/token"))
                .withBasicAuth(new BasicCredentials("app", "secret"))
                .withRequestBody(equalTo("grant_type=client_credentials")));
    }

    @Test
    void tokenServiceDownIsServiceUnavailable() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/oauth/revoke")).willReturn(aResponse()
                .withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
        given().formParam("token", "x").post("/oauth/revoke").then().statusCode(503)
                .body("message", org.hamcrest.Matchers.containsString("token-service"));
    }

    @Test
    void adminsCreateApplicationsThroughTokenServicesInternalApi() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/internal/v1/applications")).willReturn(aResponse()
                .withStatus(201).withHeader("Content-Type", "application/json")
                .withBody("{\"id\":1,\"application_id\":\"abc\",\"secret\":\"gloas-123\"}")));
        String admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        given().header("PRIVATE-TOKEN", admin)
                .formParam("name", "Duo agent").formParam("redirect_uri", "https://agent.example/cb")
                .formParam("scopes", "api user:*").formParam("confidential", "true")
                .post("/api/v4/applications").then().statusCode(201)
                .body("application_id", org.hamcrest.Matchers.equalTo("abc"));
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/internal/v1/applications"))
                .withBasicAuth(new BasicCredentials("instance-service", "test-instance-secret"))
                .withRequestBody(equalToJson("{\"name\":\"Duo agent\",\"redirect_uri\":\"https://agent.example/cb\","
                        + "\"scopes\":\"api user:*\",\"confidential\":true}")));
    }

    @Test
    void nonAdminsCannotCreateApplications() {
        given().header("PRIVATE-TOKEN", data.token(Set.of("api"))).contentType("application/json")
                .body("{\"name\":\"x\",\"redirect_uri\":\"https://x\",\"scopes\":\"api\"}")
                .post("/api/v4/applications").then().statusCode(403)
                .body("message", org.hamcrest.Matchers.equalTo("403 Forbidden"));
        org.assertj.core.api.Assertions.assertThat(FakeTokenServiceAndGateway.server.findAll(
                postRequestedFor(urlEqualTo("/internal/v1/applications")))).isEmpty();
    }
}
