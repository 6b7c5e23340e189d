package dev.enclave.adapter;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

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
    static final Set<Integer> REFUSED = Set.of(400, 401, 403);
    static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options");

    @Test
    void everyRouteRefusesAnonymousCallers() {
        Map<String, Map<String, Object>> paths = given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().path("paths");
        Set<String> checked = new TreeSet<>();
        List<String> open = new ArrayList<>();
        paths.forEach((path, operations) -> operations.keySet().stream().filter(METHODS::contains).forEach(method -> {
            String route = method.toUpperCase() + " " + path;
            if (PUBLIC.contains(route)) {
                return;
            }
            String concrete = path.replaceAll("\\{[^}]+}", "1");
            for (boolean withBody : List.of(false, true)) {
                var request = given();
                if (withBody) {
                    request.contentType("application/json").body("{\"prompt\":\"x\"}");
                }
                int status = request.request(method.toUpperCase(), concrete).statusCode();
                if (!REFUSED.contains(status)) {
                    open.add(route + (withBody ? " with a JSON body" : "") + " answered " + status);
                }
            }
            checked.add(route);
        }));

        assertThat(open).as("routes reachable anonymously").isEmpty();
        // The enumeration found the routes (a test that checks nothing cannot fail).
        assertThat(checked).contains("POST /v1/completions", "POST /v1/chat/completions");
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
