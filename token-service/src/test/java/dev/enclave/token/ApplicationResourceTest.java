package dev.enclave.token;

import dev.enclave.token.domain.OAuthApplication;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static dev.enclave.token.OAuthTestClient.INSTANCE_ID;
import static dev.enclave.token.OAuthTestClient.INSTANCE_SECRET;
import static dev.enclave.token.OAuthTestClient.REDIRECT_URI;
import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.authorize;
import static dev.enclave.token.OAuthTestClient.createApplication;
import static dev.enclave.token.OAuthTestClient.isActive;
import static dev.enclave.token.OAuthTestClient.jti;
import static dev.enclave.token.OAuthTestClient.refresh;
import static dev.enclave.token.OAuthTestClient.revocations;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

@QuarkusTest
class ApplicationResourceTest {

    @Test
    void creationAnswersInGitLabsShapeWithTheSecretOnceAndStoresOnlyItsDigest() throws Exception {
        Response created = createApplication(Map.of("name", "Duo agent", "redirect_uri", REDIRECT_URI,
                "scopes", "api read_user"));
        created.then().statusCode(201)
                .header("Cache-Control", equalTo("no-store"))
                .body("application_name", equalTo("Duo agent"))
                .body("callback_url", equalTo(REDIRECT_URI))
                .body("confidential", equalTo(true))
                .body("application_id", matchesPattern("[0-9a-f]{64}"))
                .body("secret", matchesPattern("gloas-[0-9a-f]{64}"));
        long id = ((Number) created.path("id")).longValue();
        String secret = created.path("secret");

        OAuthApplication stored = QuarkusTransaction.requiringNew().call(() -> OAuthApplication.findById(id));
        assertThat(stored.secretDigest).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8))));
        assertThat(stored.scopes).isEqualTo("api read_user");

        List<Map<String, Object>> listed = given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET)
                .get("/internal/v1/applications").then().statusCode(200).extract().path("");
        Map<String, Object> mine = listed.stream().filter(a -> ((Number) a.get("id")).longValue() == id)
                .findFirst().orElseThrow();
        assertThat(mine).containsEntry("application_id", created.path("application_id"))
                .containsEntry("callback_url", REDIRECT_URI).doesNotContainKey("secret");
    }

    @Test
    void dynamicUserScopeIsAcceptedThroughThisApi() {
        createApplication(Map.of("name", "composite", "redirect_uri", REDIRECT_URI, "scopes", "api user:*"))
                .then().statusCode(201);
    }

    @Test
    void unknownScopesAreRefusedByName() {
        createApplication(Map.of("name", "x", "redirect_uri", REDIRECT_URI, "scopes", "api sudo admin_mode"))
                .then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("Unknown scopes: sudo, admin_mode"));
    }

    @Test
    void aConcreteUserScopeCannotBeDeclared() {
        createApplication(Map.of("name", "x", "redirect_uri", REDIRECT_URI, "scopes", "api user:42"))
                .then().statusCode(400).body("error", equalTo("invalid_scope"));
    }

    @Test
    void missingNameOrRedirectUriIsInvalidRequest() {
        createApplication(Map.of("redirect_uri", REDIRECT_URI, "scopes", "api"))
                .then().statusCode(400).body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("name is required"));
        createApplication(Map.of("name", "x", "scopes", "api"))
                .then().statusCode(400).body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("redirect_uri is required"));
    }

    @Test
    void redirectUriMustBeAbsoluteWithoutFragment() {
        for (String uri : List.of("/oauth/callback", "https://agent.example/cb#frag", "not a uri")) {
            createApplication(Map.of("name", "x", "redirect_uri", uri, "scopes", "api"))
                    .then().statusCode(400).body("error", equalTo("invalid_request"));
        }
    }

    @Test
    void publicApplicationsCanBeCreated() {
        createApplication(Map.of("name", "cli", "redirect_uri", REDIRECT_URI, "scopes", "api", "confidential", false))
                .then().statusCode(201).body("confidential", equalTo(false));
    }

    @Test
    void theInternalApiNeedsTheInstanceClient() {
        given().contentType(ContentType.JSON).body(Map.of("name", "x", "redirect_uri", REDIRECT_URI, "scopes", "api"))
                .post("/internal/v1/applications").then().statusCode(401).body("error", equalTo("invalid_client"));
        OAuthTestClient.App other = app("api");
        given().auth().preemptive().basic(other.clientId(), other.secret()).get("/internal/v1/applications")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void deletingAnApplicationRevokesEveryTokenIssuedToIt() {
        OAuthTestClient.App app = app("api");
        OAuthTestClient.Tokens tokens = authorize(app, "api");
        assertThat(isActive(tokens.accessToken())).isTrue();
        long before = revocations(0).then().statusCode(200).extract().<Number>path("now").longValue();

        given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET)
                .delete("/internal/v1/applications/" + app.id()).then().statusCode(204);

        assertThat(isActive(tokens.accessToken())).isFalse();
        assertThat(isActive(tokens.refreshToken())).isFalse();
        refresh(app, tokens.refreshToken(), null).then().statusCode(401).body("error", equalTo("invalid_client"));
        String jti = jti(tokens.accessToken());
        revocations(before).then().body("revocations.jti", hasItem(jti));
        given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET).get("/internal/v1/applications")
                .then().body("id", not(hasItem((int) app.id())));
    }

    @Test
    void deletingAnUnknownApplicationIsNotFound() {
        given().auth().preemptive().basic(INSTANCE_ID, INSTANCE_SECRET)
                .delete("/internal/v1/applications/999999999").then().statusCode(404);
    }
}
