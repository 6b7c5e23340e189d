package dev.enclave.token;

import dev.enclave.support.testing.AnonymousSweep;
import io.restassured.RestAssured;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deny by default (issue 12): every route in the OpenAPI document refuses an anonymous caller
 * with 400, 401 or 403, except the explicit public list. A route added later is covered as soon as
 * it exists.
 */
@QuarkusTest
class DenyByDefaultTest {

    /** Discovery, JWKS, and the OAuth endpoints that authenticate the client from the request themselves. */
    static final Set<String> PUBLIC = Set.of("GET /.well-known/openid-configuration", "GET /oauth/discovery/keys",
            "POST /oauth/token", "POST /oauth/revoke", "POST /oauth/introspect");

    @Test
    void everyRouteOutsideThePublicListRefusesAnonymousCallers() {
        AnonymousSweep sweep = AnonymousSweep.run(RestAssured::given, PUBLIC, AnonymousSweep.NO_BODY);

        assertThat(sweep.open()).as("routes reachable anonymously").isEmpty();
        // The enumeration found the routes (a test that checks nothing cannot fail).
        assertThat(sweep.checked()).contains("POST /internal/v1/ai-tokens", "POST /internal/v1/keys/rotate",
                "GET /internal/v1/keys", "DELETE /internal/v1/applications/{id}", "GET /internal/v1/revocations",
                "POST /internal/v1/composite-tokens", "GET /internal/v1/composite-token-events");
        assertThat(sweep.publicSeen()).isEqualTo(PUBLIC);
    }

    @Test
    void pathsMethodsAndBodiesNoRouteServesAreRefusedTooNot404Or405Or415() {
        for (String path : List.of("/internal/v1/nothing-here", "/internal/v1/keys/rotate", "/", "/admin")) {
            given().put(path).then().statusCode(401);
        }
        given().contentType("text/plain").body("x").post("/internal/v1/applications").then().statusCode(401);
        given().contentType("text/plain").body("x").post("/internal/v1/grants").then().statusCode(401);
    }

    @Test
    void thePublicListAnswersAnonymousCallers() {
        given().get("/.well-known/openid-configuration").then().statusCode(200);
        given().get("/oauth/discovery/keys").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200);
        // These answer 401 invalid_client themselves: the client authenticates in the request.
        for (String endpoint : List.of("/oauth/token", "/oauth/revoke", "/oauth/introspect")) {
            given().formParam("token", "x").post(endpoint).then().statusCode(401);
        }
    }
}
