package dev.enclave.instance;

import com.github.tomakehurst.wiremock.client.BasicCredentials;
import dev.enclave.instance.domain.License;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.service.Licensing;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Issue 14: {@code POST /api/v4/service_accounts/:id/oauth_tokens}, composite identity without a
 * grant. token-service is faked: the instance's own checks, what it asks token-service, and how it
 * answers token-service's refusals.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class CompositeTokenWithoutGrantTest {

    static final String MINT_PATH = "/internal/v1/composite-tokens";

    @Inject
    TestData data;

    @Inject
    Licensing licensing;

    String admin;

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        data.paidLicense();
        admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
    }

    private User serviceAccount(boolean compositeIdentityEnforced) {
        return QuarkusTransaction.requiringNew().call(() -> {
            User account = new User();
            account.username = "agent-" + UUID.randomUUID();
            account.name = "Agent";
            account.state = User.ACTIVE;
            account.bot = true;
            account.compositeIdentityEnforced = compositeIdentityEnforced;
            account.createdAt = Instant.now();
            account.persist();
            return account;
        });
    }

    private User bot() {
        return serviceAccount(false);
    }

    private static void tokenServiceAnswers(int status, String body) {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo(MINT_PATH)).willReturn(aResponse()
                .withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
    }

    private static String minted(long humanId) {
        return "{\"access_token\":\"eyJhbGciOiJSUzI1NiJ9.e30.c2ln\",\"token_type\":\"Bearer\",\"expires_in\":7200,"
                + "\"refresh_token\":\"" + "ab".repeat(32) + "\",\"scope\":\"api user:" + humanId + "\","
                + "\"created_at\":1763790000}";
    }

    private Response mint(String token, long accountId, String applicationId, String scopes) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (applicationId != null) {
            body.put("application_id", applicationId);
        }
        if (scopes != null) {
            body.put("scopes", scopes);
        }
        return given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON).body(body)
                .post("/api/v4/service_accounts/" + accountId + "/oauth_tokens");
    }

    private static void tokenServiceWasNotAsked() {
        assertThat(FakeTokenServiceAndGateway.server.findAll(postRequestedFor(urlEqualTo(MINT_PATH)))).isEmpty();
    }

    @Test
    void anAdminGetsTokenServicesAnswerAsTheTokenEndpointWouldGiveIt() {
        User account = serviceAccount(true);
        User human = data.user(User.ACTIVE);
        tokenServiceAnswers(201, minted(human.id));

        mint(admin, account.id, "client-1", "api user:" + human.id).then().statusCode(201)
                .header("Cache-Control", equalTo("no-store"))
                .body("token_type", equalTo("Bearer"))
                .body("expires_in", equalTo(7200))
                .body("refresh_token", equalTo("ab".repeat(32)))
                .body("scope", equalTo("api user:" + human.id))
                .body("created_at", equalTo(1763790000));

        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo(MINT_PATH))
                .withBasicAuth(new BasicCredentials("instance-service", "test-instance-secret"))
                .withRequestBody(equalToJson("{\"application_id\":\"client-1\",\"resource_owner_id\":" + account.id
                        + ",\"scopes\":\"api user:" + human.id + "\"}")));
    }

    @Test
    void notAnAdminIsForbidden() {
        User account = serviceAccount(true);
        User human = data.user(User.ACTIVE);
        mint(data.token(Set.of("api")), account.id, "client-1", "api user:" + human.id).then().statusCode(403)
                .body("message", equalTo("403 Forbidden"));
        tokenServiceWasNotAsked();
    }

    @Test
    void withoutAPaidLicenceIsForbidden() {
        User account = serviceAccount(true);
        User human = data.user(User.ACTIVE);
        QuarkusTransaction.requiringNew().run(() -> License.current().tier = License.FREE);
        licensing.invalidate();

        mint(admin, account.id, "client-1", "api user:" + human.id).then().statusCode(403)
                .body("message", equalTo("403 Forbidden - Composite identity requires a Premium or Ultimate licence"));
        tokenServiceWasNotAsked();
    }

    @Test
    void aGrantNeedsAPaidLicenceToo() {
        User account = serviceAccount(true);
        User human = data.user(User.ACTIVE);
        QuarkusTransaction.requiringNew().run(() -> License.current().tier = License.FREE);
        licensing.invalidate();

        given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON)
                .body(Map.of("application_id", "client-1", "user_id", human.id, "scopes", "api",
                        "redirect_uri", "http://localhost/callback"))
                .post("/api/v4/service_accounts/" + account.id + "/oauth_grants").then().statusCode(403)
                .body("message", equalTo("403 Forbidden - Composite identity requires a Premium or Ultimate licence"));
        assertThat(FakeTokenServiceAndGateway.server.findAll(postRequestedFor(urlEqualTo("/internal/v1/grants"))))
                .isEmpty();
    }

    @Test
    void anUnknownServiceAccountIsNotFound() {
        User human = data.user(User.ACTIVE);
        mint(admin, 987_654_321L, "client-1", "api user:" + human.id).then().statusCode(404)
                .body("message", equalTo("404 Service account Not Found"));
        tokenServiceWasNotAsked();
    }

    @Test
    void aHumanUserIsNotAServiceAccount() {
        User notAnAccount = data.user(User.ACTIVE);
        User human = data.user(User.ACTIVE);
        mint(admin, notAnAccount.id, "client-1", "api user:" + human.id).then().statusCode(404)
                .body("message", equalTo("404 Service account Not Found"));
        tokenServiceWasNotAsked();
    }

    @Test
    void aServiceAccountWithoutCompositeIdentityIsRefusedByName() {
        User account = serviceAccount(false);
        User human = data.user(User.ACTIVE);
        mint(admin, account.id, "client-1", "api user:" + human.id).then().statusCode(400)
                .body("error", equalTo("service account " + account.id + " does not have composite_identity_enforced"));
        tokenServiceWasNotAsked();
    }

    @Test
    void missingFieldsAreBadRequests() {
        User account = serviceAccount(true);
        User human = data.user(User.ACTIVE);
        mint(admin, account.id, null, "api user:" + human.id).then().statusCode(400)
                .body("error", equalTo("application_id is missing"));
        mint(admin, account.id, "client-1", null).then().statusCode(400).body("error", equalTo("scopes is missing"));
        given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON)
                .post("/api/v4/service_accounts/" + account.id + "/oauth_tokens").then().statusCode(400);
        tokenServiceWasNotAsked();
    }

    @Test
    void notExactlyOneUserScopeIsABadRequest() {
        User account = serviceAccount(true);
        User human = data.user(User.ACTIVE);
        User other = data.user(User.ACTIVE);
        Map<String, String> cases = Map.of(
                "api", "got none",
                "api user:" + human.id + " user:" + other.id, "got user:" + human.id + ", user:" + other.id,
                "api user:abc", "got user:abc",
                "api user:*", "got user:*");
        cases.forEach((scopes, got) -> mint(admin, account.id, "client-1", scopes).then().statusCode(400)
                .body("error", equalTo("scopes must name exactly one user:<id>, the user the service account acts "
                        + "for; " + got)));
        tokenServiceWasNotAsked();
    }

    @Test
    void theNamedUserMustExistBeActiveAndHuman() {
        User account = serviceAccount(true);
        mint(admin, account.id, "client-1", "api user:987654321").then().statusCode(404)
                .body("message", equalTo("404 User Not Found"));
        User blocked = data.user(User.BLOCKED);
        mint(admin, account.id, "client-1", "api user:" + blocked.id).then().statusCode(400)
                .body("error", equalTo("user " + blocked.id + " must be an active human user"));
        User bot = bot();
        mint(admin, account.id, "client-1", "api user:" + bot.id).then().statusCode(400)
                .body("error", equalTo("user " + bot.id + " must be an active human user"));
        tokenServiceWasNotAsked();
    }

    @Test
    void anUnknownApplicationIsNotFound() {
        User account = serviceAccount(true);
        User human = data.user(User.ACTIVE);
        tokenServiceAnswers(404, "{\"error\":\"not_found\",\"error_description\":\"No OAuth application nope\"}");
        mint(admin, account.id, "nope", "api user:" + human.id).then().statusCode(404)
                .body("message", equalTo("404 Application Not Found"));
    }

    @Test
    void anApplicationWithoutTheDynamicUserScopeIsABadRequest() {
        User account = serviceAccount(true);
        User human = data.user(User.ACTIVE);
        tokenServiceAnswers(400, "{\"error\":\"invalid_scope\",\"error_description\":\"The application does not "
                + "declare user:*: it cannot be given a user:<id> scope\"}");
        mint(admin, account.id, "client-1", "api user:" + human.id).then().statusCode(400)
                .body("error", equalTo("The application does not declare user:*: it cannot be given a user:<id> scope"));
    }

    @Test
    void scopesTheApplicationDoesNotHaveAreABadRequest() {
        User account = serviceAccount(true);
        User human = data.user(User.ACTIVE);
        tokenServiceAnswers(400, "{\"error\":\"invalid_scope\",\"error_description\":\"Not registered for the "
                + "application: write_repository\"}");
        mint(admin, account.id, "client-1", "write_repository user:" + human.id).then().statusCode(400)
                .body("error", equalTo("Not registered for the application: write_repository"));
    }

    @Test
    void tokenServiceUnavailableIsServiceUnavailable() {
        User account = serviceAccount(true);
        User human = data.user(User.ACTIVE);
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo(MINT_PATH)).willReturn(aResponse()
                .withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
        mint(admin, account.id, "client-1", "api user:" + human.id).then().statusCode(503)
                .body("message", org.hamcrest.Matchers.containsString("token-service"));
        // token-service refusing the instance itself is not the caller's fault either.
        tokenServiceAnswers(401, "{\"error\":\"invalid_client\",\"error_description\":\"Unknown client\"}");
        mint(admin, account.id, "client-1", "api user:" + human.id).then().statusCode(503);
    }
}
