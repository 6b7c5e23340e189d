package dev.enclave.adapter;

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
 * (from inside the trusted networks) with 400, 401 or 403. model-adapter has no public resource;
 * its health probes are Quarkus' {@code /q/health}. A route added later is covered as soon as it
 * exists.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class DenyByDefaultTest {

    static final Set<String> PUBLIC = Set.of();

    @Test
    void everyRouteRefusesAnonymousCallers() {
        AnonymousSweep sweep = AnonymousSweep.run(RestAssured::given, PUBLIC, AnonymousSweep.NO_BODY, "{\"prompt\":\"x\"}");

        assertThat(sweep.open()).as("routes reachable anonymously").isEmpty();
        // The enumeration found the routes (a test that checks nothing cannot fail).
        assertThat(sweep.checked()).contains("POST /v1/completions", "POST /v1/chat/completions");
        assertThat(sweep.publicSeen()).isEqualTo(PUBLIC);
    }

    @Test
    void pathsMethodsAndBodiesNoRouteServesAreRefusedTooNot404Or405Or415() {
        for (String path : List.of("/v1/nothing-here", "/", "/admin")) {
            given().put(path).then().statusCode(401);
        }
        given().contentType("text/plain").body("x").post("/v1/completions").then().statusCode(401);
        given().get("/v1/completions").then().statusCode(401);
    }

    @Test
    void theHealthProbesAnswerAnonymousCallers() {
        given().get("/q/health/live").then().statusCode(200);
    }
}
