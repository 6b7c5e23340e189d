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
    void theCallersAddressTravelsAsXForwardedForReplacingOneItSent() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/oauth/token")).willReturn(aResponse()
                .withStatus(400).withHeader("Content-Type", "application/json").withBody("{\"error\":\"invalid_grant\"}")));
        given().header("X-Forwarded-For", "203.0.113.9").formParam("grant_type", "refresh_token")
                .post("/oauth/token").then().statusCode(400);
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/oauth/token"))
                .withHeader("X-Forwarded-For", equalTo("127.0.0.1")));
    }

    /**
     * Issue 12 #10: only the public OAuth paths are forwarded, each to its own fixed path; nothing
     * else under {@code /oauth} or {@code /.well-known} reaches token-service (which also serves
     * {@code /internal/*}), however the path is spelled.
     */
    @Test
    void onlyThePublicOAuthPathsAreForwarded() throws Exception {
        var fake = FakeTokenServiceAndGateway.server;
        fake.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(
                com.github.tomakehurst.wiremock.client.WireMock.anyUrl()).atPriority(50)
                .willReturn(aResponse().withStatus(200).withBody("{\"reached\":true}")));
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + io.restassured.RestAssured.port;
        java.util.List<String> refused = new java.util.ArrayList<>();
        for (String path : java.util.List.of("/oauth/applications", "/oauth/authorize/native", "/oauth/token/x",
                "/oauth/../internal/v1/keys", "/oauth/%2e%2e/internal/v1/keys", "/oauth/%2E%2E%2Finternal%2Fv1%2Fkeys",
                "/oauth/..%2Finternal%2Fv1%2Fkeys", "/oauth/discovery/keys/../../../internal/v1/keys",
                "/.well-known/../internal/v1/keys", "/.well-known/anything", "/oauth//internal/v1/keys",
                "/oauth/%252e%252e/internal/v1/keys")) {
            for (String method : java.util.List.of("GET", "POST")) {
                java.net.http.HttpResponse<String> answer = http.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(base + path)).header("Authorization", "Basic YXR0YWNrZXI6eA==")
                        .method(method, java.net.http.HttpRequest.BodyPublishers.ofString("x=1")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() != 404 && answer.statusCode() != 405) {
                    refused.add(method + " " + path + " answered " + answer.statusCode() + " " + answer.body());
                }
            }
        }
        org.assertj.core.api.Assertions.assertThat(refused).as("paths not refused").isEmpty();
        // Nothing carrying the caller's credentials reached the fake token-service.
        org.assertj.core.api.Assertions.assertThat(fake.findAll(com.github.tomakehurst.wiremock.client.WireMock
                .anyRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.anyUrl())
                .withHeader("Authorization", equalTo("Basic YXR0YWNrZXI6eA==")))).isEmpty();
        // Positive control: an allowed path with the same credentials does reach it.
        given().header("Authorization", "Basic YXR0YWNrZXI6eA==").formParam("token", "x").post("/oauth/introspect")
                .then().statusCode(200);
        org.assertj.core.api.Assertions.assertThat(fake.findAll(postRequestedFor(urlEqualTo("/oauth/introspect"))
                .withHeader("Authorization", equalTo("Basic YXR0YWNrZXI6eA==")))).hasSize(1);
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
