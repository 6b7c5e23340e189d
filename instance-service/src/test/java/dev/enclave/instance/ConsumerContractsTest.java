package dev.enclave.instance;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import dev.enclave.contracts.Contract;
import dev.enclave.contracts.ContractStubs;
import dev.enclave.contracts.ContractVerifier;
import dev.enclave.contracts.Contracts;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.security.RevokedAccessTokens;
import dev.enclave.instance.service.AiTokenCache;
import dev.enclave.instance.service.CompositeTokenAudit;
import dev.enclave.instance.service.ModelConnectionCheck;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * instance-service as a consumer: its real clients call a stub that answers with the contract's
 * example, then what they sent is checked against the contract the provider is verified against
 * (the provider's ProviderContractsTest), and what they read from the answer is asserted.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class ConsumerContractsTest {

    @Inject
    TokenServiceClient tokenService;

    @Inject
    RevokedAccessTokens revoked;

    @Inject
    TestData data;

    @Inject
    AiTokenCache aiTokens;

    @Inject
    ModelConnectionCheck connectionCheck;

    @Inject
    CompositeTokenAudit compositeTokenAudit;

    StubMapping stub;
    /** Stubs of the neighbours a gateway call needs besides the contract's (the AI token). */
    final List<StubMapping> others = new ArrayList<>();

    /** Where the fake serves the AI gateway (enclave.instance.ai-gateway-url). */
    static final String GATEWAY = "/gateway";

    @AfterEach
    void removeStub() {
        if (stub != null) {
            FakeTokenServiceAndGateway.server.removeStub(stub);
        }
        others.forEach(FakeTokenServiceAndGateway.server::removeStub);
        others.clear();
    }

    @Test
    void mintAnAiToken() {
        Contract contract = Contracts.get("instance-service", "token-service", "mint an AI token");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract);
        JsonNode example = contract.response().body();

        TokenServiceClient.AiToken minted = tokenService.mintAiToken(UUID.randomUUID().toString(),
                List.of("complete_code"), "5f8a9b1c0d");

        assertThat(minted.token()).isEqualTo(example.get("token").asText());
        assertThat(minted.issuedAt()).isEqualTo(Instant.ofEpochSecond(example.get("issued_at").asLong()));
        assertThat(minted.expiresAt()).isEqualTo(Instant.ofEpochSecond(example.get("expires_at").asLong()));
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
    }

    @Test
    void revocationsSince() {
        Contract contract = Contracts.get("instance-service", "token-service", "revocations since");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract);

        revoked.refresh();

        String jti = contract.response().body().get("revocations").get(0).get("jti").asText();
        assertThat(revoked.isRevoked(jti)).as("the revoked jti in the contract's answer was read").isTrue();
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
    }

    /**
     * A user with a Duo seat and a personal access token, the feature routed to a self-hosted model,
     * and an AI token from token-service (the instance's cache emptied, so that it is minted anew).
     */
    private String aiUserWithRoute(String... features) {
        others.add(FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).atPriority(1)
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody("{\"token\":\"header.payload.sig\",\"issued_at\":" + Instant.now().getEpochSecond()
                                + ",\"expires_at\":" + (Instant.now().getEpochSecond() + 3600) + "}"))));
        aiTokens.invalidateAll();
        User user = data.user(User.ACTIVE);
        data.giveDuoSeat(user);
        SelfHostedModel model = data.model("sk-model-key");
        for (String feature : features) {
            data.route(feature, model);
        }
        return data.token(user, Set.of("ai_features"), LocalDate.now().plusDays(1));
    }

    private static Map<String, Object> editorsCompletionBody(boolean stream) {
        return Map.of("current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    ",
                        "content_below_cursor", "\n", "language_identifier", "python"),
                "project_path", "group/project", "project_id", 42, "stream", stream);
    }

    @Test
    void codeCompletion() {
        Contract contract = Contracts.get("instance-service", "ai-gateway", "a code completion from a self-hosted model");
        String token = aiUserWithRoute("code_completions");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract, GATEWAY);

        Response answer = given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(editorsCompletionBody(false)).post("/api/v4/code_suggestions/completions");

        answer.then().statusCode(200);
        assertThat(answer.jsonPath().getString("choices[0].text"))
                .isEqualTo(contract.response().body().get("choices").get(0).get("text").asText());
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub, GATEWAY)).isEmpty();
    }

    @Test
    void codeGeneration() {
        Contract contract = Contracts.get("instance-service", "ai-gateway", "a code generation from a self-hosted model");
        String token = aiUserWithRoute("code_generations");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract, GATEWAY);
        Map<String, Object> body = new java.util.HashMap<>(editorsCompletionBody(false));
        body.put("intent", "generation");
        body.put("generation_type", "empty_function");
        body.put("user_instruction", "add the two numbers");

        Response answer = given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(body).post("/api/v4/code_suggestions/completions");

        answer.then().statusCode(200);
        assertThat(answer.jsonPath().getString("choices[0].text"))
                .isEqualTo(contract.response().body().get("choices").get(0).get("text").asText());
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub, GATEWAY)).isEmpty();
    }

    @Test
    void streamedCodeCompletion() {
        Contract contract = Contracts.get("instance-service", "ai-gateway",
                "a streamed code completion from a self-hosted model");
        String token = aiUserWithRoute("code_completions");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract, GATEWAY);

        Response answer = given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(editorsCompletionBody(true)).post("/api/v4/code_suggestions/completions");

        answer.then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/event-stream"));
        assertThat(answer.asString()).isEqualTo(contract.response().text());
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub, GATEWAY)).isEmpty();
    }

    @Test
    void streamedCodeGeneration() {
        Contract contract = Contracts.get("instance-service", "ai-gateway",
                "a streamed code generation from a self-hosted model");
        String token = aiUserWithRoute("code_generations");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract, GATEWAY);
        Map<String, Object> body = new java.util.HashMap<>(editorsCompletionBody(true));
        body.put("intent", "generation");
        body.put("generation_type", "empty_function");
        body.put("user_instruction", "add the two numbers");

        Response answer = given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(body).post("/api/v4/code_suggestions/completions");

        answer.then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/event-stream"));
        assertThat(answer.asString()).isEqualTo(contract.response().text());
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub, GATEWAY)).isEmpty();
    }

    @Test
    void duoChat() {
        Contract contract = Contracts.get("instance-service", "ai-gateway", "a Duo Chat answer from a self-hosted model");
        String token = aiUserWithRoute("duo_chat");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract, GATEWAY);

        // with the editor's selection and a file the user added: every optional field of the message
        Response answer = given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("content", "How do I revert a commit?",
                        "current_file", Map.of("file_name", "main.py", "selected_text", "def add(a, b):"),
                        "additional_context", List.of(Map.of("category", "file", "id", "util.py", "content", "x = 1"))))
                .post("/api/v4/chat/completions");

        answer.then().statusCode(201);
        String expected = contract.response().ndjson().get(0).get("data").get("text").asText();
        assertThat(answer.as(String.class)).isEqualTo(expected);
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub, GATEWAY)).isEmpty();
    }

    @Test
    void modelConnectionCheck() {
        Contract contract = Contracts.get("instance-service", "ai-gateway", "the self-hosted model connection check");
        aiUserWithRoute();
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract, GATEWAY);

        ModelConnectionCheck.Result result = connectionCheck.check(data.model("sk-model-key"))
                .await().atMost(Duration.ofSeconds(10));

        assertThat(result.errors()).isEmpty();
        assertThat(result.success()).isTrue();
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub, GATEWAY)).isEmpty();
    }

    /**
     * The fake token-service's discovery document and key set are token-service's contract examples
     * filled with this test's issuer and key ({@link TestOAuthTokens}): an access token signed with
     * that key is accepted, so quarkus-oidc reads what token-service is verified to publish.
     */
    @Test
    void accessTokensAreVerifiedAgainstTheContractsDiscoveryAndKeySet() {
        User user = data.user(User.ACTIVE);
        given().auth().oauth2(TestOAuthTokens.accessToken(user.id, "read_user")).get("/api/v4/user")
                .then().statusCode(200).body("id", org.hamcrest.Matchers.equalTo(user.id.intValue()));
        assertThat(TestOAuthTokens.jwks()).contains("\"kid\":\"" + TestOAuthTokens.KEY.getKeyId() + "\"");
    }

    private User serviceAccount() {
        return io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> {
            User account = new User();
            account.username = "agent-" + UUID.randomUUID();
            account.name = "Agent";
            account.state = User.ACTIVE;
            account.bot = true;
            account.compositeIdentityEnforced = true;
            account.createdAt = Instant.now();
            account.persist();
            return account;
        });
    }

    @Test
    void compositeIdentityToken() {
        Contract contract = Contracts.get("instance-service", "token-service", "mint a composite identity token");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract);
        data.paidLicense();
        String admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        User account = serviceAccount();
        User human = data.user(User.ACTIVE);

        Response answer = given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON)
                .body(Map.of("application_id", "client-1", "scopes", "api user:" + human.id))
                .post("/api/v4/service_accounts/" + account.id + "/oauth_tokens");

        answer.then().statusCode(201);
        JsonNode example = contract.response().body();
        for (String field : List.of("access_token", "token_type", "refresh_token", "scope")) {
            assertThat(answer.jsonPath().getString(field)).as(field).isEqualTo(example.get(field).asText());
        }
        assertThat(answer.jsonPath().getLong("expires_in")).isEqualTo(example.get("expires_in").asLong());
        assertThat(answer.jsonPath().getLong("created_at")).isEqualTo(example.get("created_at").asLong());
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
    }

    @Test
    void compositeTokenEvents() {
        Contract contract = Contracts.get("instance-service", "token-service",
                "composite token events after the instance's cursor");
        User account = serviceAccount();
        User human = data.user(User.ACTIVE);
        long cursor = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() ->
                dev.enclave.instance.domain.CompositeTokenFeedCursor.read().lastEventId);
        // the example's event, as the next one after this instance's cursor, about this test's users
        com.fasterxml.jackson.databind.node.ObjectNode body = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(contract.response().body());
        com.fasterxml.jackson.databind.node.ObjectNode event = (com.fasterxml.jackson.databind.node.ObjectNode) body.get("events").get(0);
        event.put("id", cursor + 1).put("resource_owner_id", account.id).put("user_id", human.id);
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract, "", body.toString());

        assertThat(compositeTokenAudit.catchUp()).isEqualTo(1);

        List<dev.enclave.instance.domain.AuditEvent> audited = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew()
                .call(() -> dev.enclave.instance.domain.AuditEvent.forTarget("User", account.id));
        assertThat(audited).singleElement().satisfies(e -> {
            assertThat(e.authorId).isEqualTo(human.id);
            assertThat(e.createdAt).isEqualTo(Instant.parse(event.get("created_at").asText()));
            assertThat(e.details).isEqualTo("origin=" + event.get("origin").asText() + " application_id="
                    + event.get("application_id").asText() + " scopes=" + event.get("scope").asText() + " jti="
                    + event.get("jti").asText());
        });
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
    }

    @Test
    void compositeIdentityGrant() {
        Contract contract = Contracts.get("instance-service", "token-service", "grant a composite identity authorization code");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract);
        data.paidLicense();
        String admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        User account = serviceAccount();
        User human = data.user(User.ACTIVE);

        Response answer = given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON)
                .body(Map.of("application_id", "client-1", "user_id", human.id, "scopes", "api",
                        "redirect_uri", "http://localhost/callback"))
                .post("/api/v4/service_accounts/" + account.id + "/oauth_grants");

        answer.then().statusCode(201);
        JsonNode example = contract.response().body();
        assertThat(answer.jsonPath().getString("code")).isEqualTo(example.get("code").asText());
        assertThat(answer.jsonPath().getLong("expires_in")).isEqualTo(example.get("expires_in").asLong());
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
    }

    @Test
    void createAnOAuthApplication() {
        Contract contract = Contracts.get("instance-service", "token-service", "create an OAuth application");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract);
        String admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));

        Response answer = given().header("PRIVATE-TOKEN", admin)
                .formParam("name", "Duo agent").formParam("redirect_uri", "https://agent.example/cb")
                .formParam("scopes", "api user:*").formParam("confidential", "true")
                .post("/api/v4/applications");

        answer.then().statusCode(201).header("Cache-Control", "no-store");
        JsonNode example = contract.response().body();
        assertThat(answer.jsonPath().getString("application_id")).isEqualTo(example.get("application_id").asText());
        assertThat(answer.jsonPath().getString("secret")).isEqualTo(example.get("secret").asText());
        assertThat(answer.jsonPath().getLong("id")).isEqualTo(example.get("id").asLong());
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
    }

    @Test
    void listTheOAuthApplications() {
        Contract contract = Contracts.get("instance-service", "token-service", "list the OAuth applications");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract);
        String admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));

        Response answer = given().header("PRIVATE-TOKEN", admin).get("/api/v4/applications");

        answer.then().statusCode(200);
        JsonNode example = contract.response().body().get(0);
        assertThat(answer.jsonPath().getString("[0].application_id")).isEqualTo(example.get("application_id").asText());
        assertThat(answer.jsonPath().getString("[0].callback_url")).isEqualTo(example.get("callback_url").asText());
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
    }

    @Test
    void deleteAnOAuthApplication() {
        Contract contract = Contracts.get("instance-service", "token-service", "delete an OAuth application");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract);
        String admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));

        given().header("PRIVATE-TOKEN", admin).delete("/api/v4/applications/7").then().statusCode(204);

        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
        assertThat(FakeTokenServiceAndGateway.server.getAllServeEvents().stream()
                .filter(e -> e.getStubMapping() != null && stub.getId().equals(e.getStubMapping().getId()))
                .map(e -> e.getRequest().getUrl())).containsExactly("/internal/v1/applications/7");
    }

    /**
     * A client's GET of the instance's public discovery or key set path: passed on to token-service
     * as the contract says, and its answer passed back with the contract's headers.
     */
    private Response forwardedGet(Contract contract, String body) {
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract, "", body);
        Response answer = given().get(contract.request().path());
        answer.then().statusCode(contract.response().status());
        contract.response().headers().keySet().stream().filter(name -> !name.equals("Content-Type"))
                .forEach(name -> assertThat(answer.header(name)).as("header " + name + " passed back")
                        .isEqualTo(contract.response().headerExample(name)));
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
        return answer;
    }

    @Test
    void forwardedDiscovery() {
        Contract contract = Contracts.get("instance-service", "token-service",
                "forwarded: the OIDC discovery document (GET /.well-known/openid-configuration)");
        Response answer = forwardedGet(contract, ContractVerifier.exampleResponseBody(contract));
        JsonNode example = contract.response().body();
        for (String field : List.of("issuer", "jwks_uri", "token_endpoint", "revocation_endpoint", "introspection_endpoint")) {
            assertThat(answer.jsonPath().getString(field)).as(field).isEqualTo(example.get(field).asText());
        }
        assertThat(answer.jsonPath().getList("code_challenge_methods_supported")).containsExactly("S256");
    }

    @Test
    void forwardedKeySet() {
        Contract contract = Contracts.get("instance-service", "token-service",
                "forwarded: the published signing keys (GET /oauth/discovery/keys)");
        // the test's own key, so that quarkus-oidc, should it fetch the keys meanwhile, still finds it
        Map<String, String> key = new java.util.HashMap<>();
        TestOAuthTokens.KEY.toParams(org.jose4j.jwk.JsonWebKey.OutputControlLevel.PUBLIC_ONLY)
                .forEach((name, value) -> key.put(name, String.valueOf(value)));
        Response answer = forwardedGet(contract, ContractVerifier.exampleResponseBody(contract, key));
        assertThat(answer.jsonPath().getString("keys[0].kid")).isEqualTo(TestOAuthTokens.KEY.getKeyId());
        assertThat(answer.jsonPath().getString("keys[0].n")).isEqualTo(key.get("n"));
        assertThat(answer.jsonPath().getString("keys[0].e")).isEqualTo(key.get("e"));
    }

    /**
     * A client's OAuth request to the instance's public path: the instance must pass it on to
     * token-service as the contract says (method, path, Content-Type, the form, the credentials and
     * the caller's address), and pass back the status, the body and the contract's headers.
     */
    private Response forwarded(Contract contract, Map<String, String> form) {
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract);
        Response answer = given().auth().preemptive().basic("client-1", "client-secret")
                .formParams(form).post(contract.request().path());
        answer.then().statusCode(contract.response().status());
        contract.response().headers().forEach((name, rule) -> {
            if (!rule.startsWith("regex:")) {
                assertThat(answer.header(name)).as("header " + name + " passed back").isEqualTo(rule);
            }
        });
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
        return answer;
    }

    @Test
    void forwardedTokenRefresh() {
        Contract contract = Contracts.get("instance-service", "token-service", "forwarded: refresh a token (POST /oauth/token)");
        Response answer = forwarded(contract, Map.of("grant_type", "refresh_token", "refresh_token", "r-1"));
        JsonNode example = contract.response().body();
        assertThat(answer.jsonPath().getString("access_token")).isEqualTo(example.get("access_token").asText());
        assertThat(answer.jsonPath().getString("refresh_token")).isEqualTo(example.get("refresh_token").asText());
        assertThat(answer.jsonPath().getLong("expires_in")).isEqualTo(example.get("expires_in").asLong());
    }

    @Test
    void forwardedAuthorizationCodeExchange() {
        Contract contract = Contracts.get("instance-service", "token-service",
                "forwarded: exchange an authorization code (POST /oauth/token)");
        Response answer = forwarded(contract, Map.of("grant_type", "authorization_code", "code", "c-1",
                "redirect_uri", "https://agent.example/cb", "code_verifier", "v".repeat(43)));
        JsonNode example = contract.response().body();
        assertThat(answer.jsonPath().getString("access_token")).isEqualTo(example.get("access_token").asText());
        assertThat(answer.jsonPath().getString("refresh_token")).isEqualTo(example.get("refresh_token").asText());
        assertThat(answer.jsonPath().getString("scope")).isEqualTo(example.get("scope").asText());
    }

    @Test
    void forwardedClientCredentials() {
        Contract contract = Contracts.get("instance-service", "token-service",
                "forwarded: a client credentials token (POST /oauth/token)");
        Response answer = forwarded(contract, Map.of("grant_type", "client_credentials", "audience", "partner-api",
                "scope", "read_api"));
        JsonNode example = contract.response().body();
        assertThat(answer.jsonPath().getString("access_token")).isEqualTo(example.get("access_token").asText());
        assertThat(answer.jsonPath().getLong("expires_in")).isEqualTo(example.get("expires_in").asLong());
        assertThat(answer.jsonPath().getString("refresh_token")).isNull();
    }

    /** A throttled client is told when to try again: token-service's Retry-After reaches it. */
    @Test
    void forwardedTokenRequestWhileThrottled() {
        Contract contract = Contracts.get("instance-service", "token-service",
                "forwarded: a token request while the client is throttled (POST /oauth/token, 429)");
        Response answer = forwarded(contract, Map.of("grant_type", "refresh_token", "refresh_token", "r-1"));
        assertThat(answer.header("Retry-After")).isEqualTo(contract.response().headerExample("Retry-After"));
        assertThat(answer.jsonPath().getString("error")).isEqualTo("slow_down");
        assertThat(answer.jsonPath().getString("error_description"))
                .isEqualTo(contract.response().body().get("error_description").asText());
    }

    @Test
    void forwardedTokenRequestWithAWrongClientSecret() {
        Contract contract = Contracts.get("instance-service", "token-service",
                "forwarded: a token request with a wrong client secret (POST /oauth/token)");
        Response answer = forwarded(contract, Map.of("grant_type", "refresh_token", "refresh_token", "r-1"));
        assertThat(answer.jsonPath().getString("error")).isEqualTo("invalid_client");
        assertThat(answer.jsonPath().getString("error_description"))
                .isEqualTo(contract.response().body().get("error_description").asText());
    }

    @Test
    void forwardedRevoke() {
        Contract contract = Contracts.get("instance-service", "token-service", "forwarded: revoke a token (POST /oauth/revoke)");
        Response answer = forwarded(contract, Map.of("token", "t-1"));
        assertThat(answer.jsonPath().getMap("$")).isEmpty();
    }

    @Test
    void forwardedIntrospect() {
        Contract contract = Contracts.get("instance-service", "token-service",
                "forwarded: introspect a token (POST /oauth/introspect)");
        Response answer = forwarded(contract, Map.of("token", "t-1"));
        JsonNode example = contract.response().body();
        assertThat(answer.jsonPath().getBoolean("active")).isTrue();
        assertThat(answer.jsonPath().getString("client_id")).isEqualTo(example.get("client_id").asText());
        assertThat(answer.jsonPath().getString("scope")).isEqualTo(example.get("scope").asText());
    }
}
