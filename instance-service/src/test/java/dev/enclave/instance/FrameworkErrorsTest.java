package dev.enclave.instance;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/**
 * The answers the framework gives before any endpoint runs (unknown route, wrong method, wrong media
 * type, malformed JSON) are GitLab's (Grape's): {@code {"error": "..."}} with
 * {@code X-GitLab-Error-Origin: monolith}, not bare statuses.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class FrameworkErrorsTest {

    @Inject
    TestData data;

    String admin;

    @BeforeEach
    void setUp() {
        admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
    }

    @Test
    void anUnknownRouteIsGitLabsCatchAll404WithOrWithoutAToken() {
        given().header("PRIVATE-TOKEN", admin).get("/api/v4/no_such_endpoint").then().statusCode(404)
                .header("X-GitLab-Error-Origin", "monolith").contentType("application/json")
                .body("error", equalTo("404 Not Found"));
        given().header("PRIVATE-TOKEN", admin).post("/api/v4/users/1/no_such_action").then().statusCode(404)
                .header("X-GitLab-Error-Origin", "monolith").body("error", equalTo("404 Not Found"));
        // Without a token the same 404 (GitLab's catch-all route asks for none): nothing more is told.
        given().get("/api/v4/no_such_endpoint").then().statusCode(404)
                .header("X-GitLab-Error-Origin", "monolith").body("error", equalTo("404 Not Found"));
        given().get("/nowhere").then().statusCode(404).body("error", equalTo("404 Not Found"));
    }

    @Test
    void aKnownRouteWithAnotherMethodIs405() {
        given().header("PRIVATE-TOKEN", admin).delete("/api/v4/version").then().statusCode(405)
                .header("X-GitLab-Error-Origin", "monolith").body("error", equalTo("405 Not Allowed"));
    }

    @Test
    void aBodyOfAnotherMediaTypeIs415NamingIt() {
        given().header("PRIVATE-TOKEN", admin).contentType("text/plain").body("username=x")
                .post("/api/v4/users").then().statusCode(415)
                .header("X-GitLab-Error-Origin", "monolith")
                .body("error", equalTo("The provided content-type 'text/plain' is not supported."));
    }

    @Test
    void malformedJsonIs400SayingSo() {
        given().header("PRIVATE-TOKEN", admin).contentType("application/json").body("{\"username\": ")
                .post("/api/v4/users").then().statusCode(400)
                .header("X-GitLab-Error-Origin", "monolith")
                .body("error", startsWith("Request body is not valid JSON"));
        // A value of the wrong type: the framework's own mapper answered a bare 400; now it names the field.
        given().header("PRIVATE-TOKEN", admin).contentType("application/json").body("{\"admin\": {\"x\": 1}}")
                .post("/api/v4/users").then().statusCode(400)
                .header("X-GitLab-Error-Origin", "monolith")
                .body("error", startsWith("Request body is not valid JSON: admin: "));
    }
}
