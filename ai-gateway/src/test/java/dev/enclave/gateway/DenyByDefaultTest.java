package dev.enclave.gateway;

import dev.enclave.support.testing.AnonymousSweep;
import io.restassured.RestAssured;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deny by default (issue 12): every route in the OpenAPI document refuses an anonymous caller
 * with 400, 401 or 403, except the explicit public list (GitLab's probes). A route added later is
 * covered as soon as it exists.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class DenyByDefaultTest {

    static final Set<String> PUBLIC = Set.of("GET /monitoring/healthz", "GET /monitoring/ready");

    @Test
    void everyRouteOutsideThePublicListRefusesAnonymousCallers() {
        AnonymousSweep sweep = AnonymousSweep.run(RestAssured::given, PUBLIC, AnonymousSweep.NO_BODY, "{}");

        assertThat(sweep.open()).as("routes reachable anonymously").isEmpty();
        // The enumeration found the routes (a test that checks nothing cannot fail).
        assertThat(sweep.checked()).contains("POST /v2/code/completions", "POST /v2/code/generations", "POST /v2/chat/agent",
                "POST /v1/prompts/{promptId}", "GET /admin/route-added-later");
        assertThat(sweep.publicSeen()).isEqualTo(PUBLIC);
    }

    @Test
    void aRouteThatDeclaresNothingNeedsAToken() {
        given().get("/admin/route-added-later").then().statusCode(401);
        given().header("Authorization", "Bearer " + TestTokens.valid(java.util.List.of("complete_code")))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .get("/admin/route-added-later").then().statusCode(200);
    }

    @Test
    void pathsAndBodiesNoRouteServesAreRefusedTooNot404Or405Or415() {
        for (String path : List.of("/v2/nothing-here", "/", "/admin", "/monitoring/healthz/extra")) {
            given().put(path).then().statusCode(401);
        }
        given().contentType("text/plain").body("x").post("/v2/code/completions").then().statusCode(401);
        given().get("/v2/code/completions").then().statusCode(401);
    }

    @Test
    void thePublicListAnswersAnonymousCallers() {
        given().get("/monitoring/healthz").then().statusCode(200);
        given().get("/monitoring/ready").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }
}
