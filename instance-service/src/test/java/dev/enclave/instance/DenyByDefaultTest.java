package dev.enclave.instance;

import dev.enclave.support.testing.AnonymousSweep;
import io.restassured.RestAssured;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deny by default (issue 12): every route in the OpenAPI document refuses an anonymous caller
 * with 401 (or 400/403), except the explicit public list: the OAuth endpoints forwarded to
 * token-service, which authenticate the client themselves. {@code /api/v4/version} and
 * {@code /api/v4/metadata} need a token, as on GitLab. A route added later is covered as soon as it
 * exists; the health checks and the OpenAPI document ({@code /q/*}) are not JAX-RS routes and are
 * public.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class DenyByDefaultTest {

    static final Set<String> PUBLIC = Set.of("GET /.well-known/openid-configuration", "GET /oauth/discovery/keys",
            "POST /oauth/token", "POST /oauth/revoke", "POST /oauth/introspect");

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        // Whatever is forwarded gets an answer, so that a forwarded route is seen as open, not as failing.
        FakeTokenServiceAndGateway.server.stubFor(any(urlPathMatching("/(oauth|\\.well-known)/.*")).atPriority(20)
                .willReturn(aResponse().withStatus(200).withBody("{}")));
    }

    @Test
    void everyRouteOutsideThePublicListRefusesAnonymousCallers() {
        AnonymousSweep sweep = AnonymousSweep.run(RestAssured::given, PUBLIC, "{}");

        assertThat(sweep.open()).as("routes reachable anonymously").isEmpty();
        // The enumeration found the routes (a test that checks nothing cannot fail).
        assertThat(sweep.checked()).contains("GET /api/v4/version", "GET /api/v4/metadata", "GET /api/v4/user", "POST /api/v4/code_suggestions/tokens",
                "POST /api/v4/code_suggestions/direct_access", "POST /api/v4/code_suggestions/completions",
                "PUT /api/v4/admin/ai/settings", "POST /api/v4/chat/completions", "GET /api/v4/projects",
                "DELETE /api/v4/personal_access_tokens/{id}", "POST /api/v4/service_accounts/{id}/oauth_tokens");
        assertThat(sweep.checked().size()).isGreaterThan(40);
        assertThat(sweep.publicSeen()).isEqualTo(PUBLIC);
    }

    @Test
    void thePublicListAndTheHealthChecksAnswerAnonymousCallers() {
        given().get("/.well-known/openid-configuration").then().statusCode(200);
        given().get("/oauth/discovery/keys").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200);
        for (String endpoint : List.of("/oauth/token", "/oauth/revoke", "/oauth/introspect")) {
            given().formParam("token", "x").post(endpoint).then().statusCode(200);
        }
    }
}
