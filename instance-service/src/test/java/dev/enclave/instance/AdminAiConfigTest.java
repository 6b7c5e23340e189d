package dev.enclave.instance;

import dev.enclave.instance.domain.User;
import dev.enclave.instance.service.AiSettingsService;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

/** Seed 000 from the admin's side: models, routing, settings, offline mode, allowlist, connection check. */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class AdminAiConfigTest {

    static final String KEY = "sk-secret-" + UUID.randomUUID();

    @Inject
    TestData data;

    @Inject
    AiSettingsService settings;

    @Inject
    dev.enclave.instance.service.AiTokenCache aiTokens;

    String admin;
    String userToken;
    final List<LogRecord> logs = new ArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (logs) {
                logs.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        var fake = FakeTokenServiceAndGateway.server;
        fake.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"token\":\"h.p.s\",\"expires_at\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")));
        fake.stubFor(post(urlPathMatching("/(gateway|cloud)/v2/code/.*")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody("{\"choices\":[{\"text\":\"ok\"}]}")));
        aiTokens.invalidateAll();
        admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        User user = data.user(User.ACTIVE);
        data.giveDuoSeat(user);
        userToken = data.token(user, Set.of("ai_features"), LocalDate.now().plusDays(1));
        putSettings(Map.of("offline_mode", false, "duo_direct_access_enabled", true,
                "enabled_instance_verbose_ai_logs", false, "egress_allowed_cidrs", List.of("127.0.0.0/8", "::1/128"),
                "cloud_gateway_url", "http://127.0.0.1:" + fake.port() + "/cloud"));
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        Logger.getLogger("").removeHandler(capture);
        putSettings(Map.of("offline_mode", false, "cloud_gateway_url", ""));
    }

    private Response adminCall(String method, String path, Object body) {
        var request = given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON);
        if (body != null) {
            request.body(body);
        }
        return request.request(method, path);
    }

    private void putSettings(Map<String, Object> body) {
        adminCall("PUT", "/api/v4/admin/ai/settings", body).then().statusCode(200);
    }

    private long createModel(String family, String endpoint) {
        Map<String, Object> body = new HashMap<>(Map.of("name", "m-" + UUID.randomUUID(), "model", family,
                "endpoint", endpoint, "identifier", "custom_openai/codestral-22b", "api_token", KEY));
        Response response = adminCall("POST", "/api/v4/admin/ai/self_hosted_models", body);
        response.then().statusCode(201);
        return ((Number) response.path("id")).longValue();
    }

    private void route(String feature, String provider, Long modelId) {
        Map<String, Object> body = new HashMap<>();
        body.put("provider", provider);
        body.put("ai_self_hosted_model_id", modelId);
        adminCall("PUT", "/api/v4/admin/ai/feature_settings/" + feature, body).then().statusCode(200);
    }

    private Response complete() {
        return given().header("PRIVATE-TOKEN", userToken).contentType(ContentType.JSON)
                .body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x")))
                .post("/api/v4/code_suggestions/completions");
    }

    @Test
    void apiKeyIsWriteOnlyKeptOnUpdateClearedByEmptyAndNeverInResponsesOrLogs() {
        long id = createModel("codestral", "http://127.0.0.1:8000/v1");
        String created = adminCall("GET", "/api/v4/admin/ai/self_hosted_models/" + id, null).then().statusCode(200)
                .body("has_api_token", equalTo(true)).body("release_state", equalTo("GA")).extract().asString();
        assertThat(data.storedCiphertext(id)).startsWith("v1.").doesNotContain(KEY);

        adminCall("PUT", "/api/v4/admin/ai/self_hosted_models/" + id, Map.of("identifier", "custom_openai/other"))
                .then().statusCode(200).body("has_api_token", equalTo(true));
        route("code_completions", "self_hosted", id);
        complete().then().statusCode(200);
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/gateway/v2/code/completions"))
                .withRequestBody(matchingJsonPath("$.model_api_key", com.github.tomakehurst.wiremock.client.WireMock.equalTo(KEY))));

        String list = adminCall("GET", "/api/v4/admin/ai/self_hosted_models", null).asString();
        adminCall("PUT", "/api/v4/admin/ai/self_hosted_models/" + id, Map.of("api_token", "")).then()
                .statusCode(200).body("has_api_token", equalTo(false));
        assertThat(data.storedCiphertext(id)).isNull();
        adminCall("PUT", "/api/v4/admin/ai/self_hosted_models/" + id, Map.of("model", "nonsense", "api_token", KEY))
                .then().statusCode(400);

        assertThat(created + list).doesNotContain(KEY);
        synchronized (logs) {
            assertThat(logs).noneSatisfy(r -> assertThat(String.valueOf(r.getMessage())
                    + java.util.Arrays.toString(r.getParameters())).contains(KEY));
        }
    }

    @Test
    void aVertexAiModelTakesAServiceAccountKeyFileAsItsTokenAndTheGatewayGetsItWhole() {
        // a real key file is about 2.4 KB: the 2048-bit private key in PEM plus the account's fields
        String keyFile = "{\"type\":\"service_account\",\"project_id\":\"enclave-test\",\"private_key_id\":\"" + "a".repeat(40)
                + "\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\n" + "M".repeat(1700) + "\\n-----END PRIVATE KEY-----\\n\","
                + "\"client_email\":\"enclave@enclave-test.iam.gserviceaccount.com\",\"client_id\":\"1234567890\","
                + "\"token_uri\":\"https://oauth2.googleapis.com/token\"}";
        assertThat(keyFile.length()).isGreaterThan(2000);
        Response created = adminCall("POST", "/api/v4/admin/ai/self_hosted_models", Map.of("name",
                "gemini-" + UUID.randomUUID(), "model", "gemini", "provider", "vertex_ai", "endpoint",
                "http://127.0.0.1:8000/v1/projects/enclave-test/locations/us-central1", "identifier", "gemini-1.5-pro-002",
                "api_token", keyFile));
        created.then().statusCode(201).body("provider", equalTo("vertex_ai")).body("has_api_token", equalTo(true));
        long id = ((Number) created.path("id")).longValue();

        route("code_completions", "self_hosted", id);
        complete().then().statusCode(200);

        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/gateway/v2/code/completions"))
                .withRequestBody(matchingJsonPath("$.model_identifier",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo("vertex_ai/gemini-1.5-pro-002")))
                .withRequestBody(matchingJsonPath("$.model_api_key",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo(keyFile))));
    }

    @Test
    void endpointsOutsideTheAllowedNetworksAreRefusedNamingTheAddress() {
        Map<String, String> attempts = Map.of(
                "http://8.8.8.8/v1", "resolves to 8.8.8.8",
                "http://2130706433/v1", "is a numeric form that is not a dotted-quad IPv4 address",
                "http://0x7f000001/v1", "is a numeric form that is not a dotted-quad IPv4 address",
                "http://[::ffff:8.8.4.4]/v1", "resolves to 8.8.4.4");
        attempts.forEach((endpoint, message) -> adminCall("POST", "/api/v4/admin/ai/self_hosted_models",
                Map.of("name", "x-" + UUID.randomUUID(), "model", "mistral", "endpoint", endpoint, "identifier", "m"))
                .then().statusCode(400).body("error", containsString(message)));
        createModel("mistral", "http://[::ffff:127.0.0.1]:8000/v1");

        putSettings(Map.of("egress_allowed_cidrs", List.of("10.0.0.0/8")));
        adminCall("POST", "/api/v4/admin/ai/self_hosted_models", Map.of("name", "x-" + UUID.randomUUID(),
                "model", "mistral", "endpoint", "http://127.0.0.1:8000/v1", "identifier", "m"))
                .then().statusCode(400).body("error", containsString("outside the allowed networks [10.0.0.0/8]"));
        adminCall("PUT", "/api/v4/admin/ai/settings", Map.of("egress_allowed_cidrs", List.of("10.0.0.0/33")))
                .then().statusCode(400);
    }

    @Test
    void modelsInUseCannotBeDeletedAndIncompatiblePairsAreRefused() {
        long chatless = createModel("codegemma", "http://127.0.0.1:8000/v1");
        adminCall("PUT", "/api/v4/admin/ai/feature_settings/duo_chat",
                Map.of("provider", "self_hosted", "ai_self_hosted_model_id", chatless))
                .then().statusCode(400).body("error", containsString("(codegemma) is not compatible with duo_chat"));
        route("code_generations", "self_hosted", chatless);
        adminCall("DELETE", "/api/v4/admin/ai/self_hosted_models/" + chatless, null).then().statusCode(400)
                .body("error", containsString("is used by code_generations"));
        route("code_generations", "disabled", null);
        adminCall("DELETE", "/api/v4/admin/ai/self_hosted_models/" + chatless, null).then().statusCode(204);
    }

    @Test
    void eachProviderRoutesWhereItSaysAndTakesEffectOnTheNextRequest() {
        long model = createModel("codestral", "http://127.0.0.1:8000/v1");
        route("code_completions", "self_hosted", model);
        complete().then().statusCode(200);
        FakeTokenServiceAndGateway.server.verify(1, postRequestedFor(urlEqualTo("/gateway/v2/code/completions")));

        route("code_completions", "vendored", null);
        complete().then().statusCode(200);
        FakeTokenServiceAndGateway.server.verify(1, postRequestedFor(urlEqualTo("/cloud/v2/code/completions"))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.notContaining("model_endpoint")));

        route("code_completions", "unassigned", null);
        complete().then().statusCode(200);
        FakeTokenServiceAndGateway.server.verify(2, postRequestedFor(urlEqualTo("/cloud/v2/code/completions")));

        route("code_completions", "disabled", null);
        complete().then().statusCode(401);
        FakeTokenServiceAndGateway.server.verify(1, postRequestedFor(urlEqualTo("/gateway/v2/code/completions")));
    }

    @Test
    void offlineModeRefusesVendoredAndConnectsNowhereOutside() {
        route("code_completions", "vendored", null);
        putSettings(Map.of("offline_mode", true));
        adminCall("PUT", "/api/v4/admin/ai/feature_settings/code_generations", Map.of("provider", "vendored"))
                .then().statusCode(400).body("error", startsWith("vendored is not available in offline mode"));

        complete().then().statusCode(401);
        given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/direct_access").then()
                .statusCode(401);
        // The "cloud" stands for every host outside the instance's networks: nothing reached it.
        assertThat(FakeTokenServiceAndGateway.server.findAll(postRequestedFor(urlPathMatching("/cloud/.*")))).isEmpty();
    }

    @Test
    void settingsAreValidated() {
        adminCall("PUT", "/api/v4/admin/ai/settings", Map.of("ai_gateway_timeout_seconds", 59)).then()
                .statusCode(400).body("error", equalTo("ai_gateway_timeout_seconds must be between 60 and 600"));
        adminCall("PUT", "/api/v4/admin/ai/settings", Map.of("ai_gateway_timeout_seconds", 601)).then().statusCode(400);
        adminCall("PUT", "/api/v4/admin/ai/settings", Map.of("ai_gateway_url", "not a url")).then().statusCode(400);
        adminCall("GET", "/api/v4/admin/ai/settings", null).then().statusCode(200)
                .body("ai_gateway_timeout_seconds", equalTo(60));
        given().header("PRIVATE-TOKEN", userToken).get("/api/v4/admin/ai/settings").then().statusCode(403);
    }

    @Test
    void verboseLoggingFlagTravelsToTheGateway() {
        long model = createModel("codestral", "http://127.0.0.1:8000/v1");
        route("code_completions", "self_hosted", model);
        putSettings(Map.of("enabled_instance_verbose_ai_logs", true));
        complete().then().statusCode(200);
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/gateway/v2/code/completions"))
                .withHeader("x-gitlab-enabled-instance-verbose-ai-logs", com.github.tomakehurst.wiremock.client.WireMock.equalTo("true")));
    }

    @Test
    void directAccessIsForCloudFeaturesAndCanBeTurnedOff() {
        long model = createModel("codestral", "http://127.0.0.1:8000/v1");
        route("code_completions", "self_hosted", model);
        given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/direct_access").then()
                .statusCode(403).body("message", containsString("not available for self-hosted models"));
        route("code_completions", "vendored", null);
        given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/direct_access").then()
                .statusCode(201).body("base_url", containsString("/cloud")).body("token", equalTo("h.p.s"))
                .body("headers.X-Gitlab-Realm", equalTo("self-managed"))
                // The cloud gateway's model, as configured (%test enclave.instance.cloud-model.*).
                .body("model_details.model_provider", equalTo("litellm"))
                .body("model_details.model_name", equalTo("codestral"));
        FakeTokenServiceAndGateway.server.verify(postRequestedFor(urlEqualTo("/internal/v1/ai-tokens"))
                .withRequestBody(matchingJsonPath("$.global_user_id"))
                .withRequestBody(matchingJsonPath("$.scopes[?(@ == 'include_file_context')]"))
                .withRequestBody(matchingJsonPath("$.scopes[?(@ == 'include_snippet_context')]")));
        putSettings(Map.of("duo_direct_access_enabled", false));
        given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/direct_access").then()
                .statusCode(403).body("message", equalTo("403 Forbidden - Direct connections are disabled"));
    }

    @Test
    void olderClientsTokenEndpointAppliesTheDirectAccessPolicy() {
        long model = createModel("codestral", "http://127.0.0.1:8000/v1");
        route("code_completions", "self_hosted", model);
        given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/tokens").then()
                .statusCode(403).header("X-GitLab-Error-Origin", "monolith")
                .body("message", equalTo("403 Forbidden - Direct connections are not available for self-hosted models"));
        route("code_completions", "disabled", null);
        given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/tokens").then().statusCode(401);
        route("code_completions", "vendored", null);
        putSettings(Map.of("duo_direct_access_enabled", false));
        given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/tokens").then()
                .statusCode(403).body("message", equalTo("403 Forbidden - Direct connections are disabled"));
        // None of the refusals minted a token.
        FakeTokenServiceAndGateway.server.verify(0, postRequestedFor(urlEqualTo("/internal/v1/ai-tokens")));

        putSettings(Map.of("duo_direct_access_enabled", true));
        given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/tokens").then()
                .statusCode(201).body("access_token", equalTo("h.p.s"))
                .body("expires_in", org.hamcrest.Matchers.greaterThan(3500));
        FakeTokenServiceAndGateway.server.verify(1, postRequestedFor(urlEqualTo("/internal/v1/ai-tokens"))
                .withRequestBody(matchingJsonPath("$.global_user_id")));
    }

    @Test
    void olderClientsTokenAnswersTheTokensLifetimeAndWhenItWasIssued() {
        // token-service issued the token 40 s before the instance answers (a slow hop, or clocks apart):
        // expires_in is still the token's lifetime and created_at its iat, so created_at + expires_in = exp.
        long issuedAt = System.currentTimeMillis() / 1000 - 40;
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"token\":\"h.p.s\",\"token_type\":\"Bearer\",\"expires_in\":900,\"expires_at\":"
                        + (issuedAt + 900) + ",\"issued_at\":" + issuedAt + "}")));
        route("code_completions", "vendored", null);
        given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/tokens").then()
                .statusCode(201).body("access_token", equalTo("h.p.s"))
                .body("expires_in", equalTo(900))
                .body("created_at", equalTo((int) issuedAt));
    }

    @Test
    void directAccessAndTokensShareTenRequestsPerFiveMinutes() {
        route("code_completions", "vendored", null);
        for (int i = 0; i < 5; i++) {
            given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/direct_access").then()
                    .statusCode(201);
            given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/tokens").then()
                    .statusCode(201);
        }
        given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/tokens").then()
                .statusCode(429).header("Retry-After", org.hamcrest.Matchers.notNullValue());
        given().header("PRIVATE-TOKEN", userToken).post("/api/v4/code_suggestions/direct_access").then()
                .statusCode(429);
    }

    @Test
    void completionsAreLimitedToSixtyAMinutePerUser() {
        long model = createModel("codestral", "http://127.0.0.1:8000/v1");
        route("code_completions", "self_hosted", model);
        for (int i = 0; i < 60; i++) {
            complete().then().statusCode(200);
        }
        complete().then().statusCode(429).header("Retry-After", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void connectionCheckReportsEachOutcomeDistinctly() {
        long model = createModel("codestral", "http://127.0.0.1:8000/v1");
        var fake = FakeTokenServiceAndGateway.server;
        fake.stubFor(post(urlEqualTo("/gateway/v1/prompts/model_configuration%2Fcheck")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody("\"OK\"")));
        adminCall("POST", "/api/v4/admin/ai/self_hosted_models/" + model + "/connection_check", null).then()
                .statusCode(200).body("success", equalTo(true)).body("errors.size()", equalTo(0));

        fake.stubFor(post(urlEqualTo("/gateway/v1/prompts/model_configuration%2Fcheck")).willReturn(aResponse()
                .withStatus(421).withHeader("Content-Type", "application/json")
                .withBody("{\"detail\":\"401: model server refused the API key\"}")));
        adminCall("POST", "/api/v4/admin/ai/self_hosted_models/" + model + "/connection_check", null).then()
                .body("success", equalTo(false)).body("errors[0]", containsString("421: 401: model server refused"));

        adminCall("POST", "/api/v4/admin/ai/self_hosted_models/connection_check", Map.of("model", "mistral",
                "endpoint", "http://8.8.8.8/v1", "identifier", "m")).then()
                .body("success", equalTo(false)).body("errors[0]", containsString("outside the allowed networks"));
    }
}
