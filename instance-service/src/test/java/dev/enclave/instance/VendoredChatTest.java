package dev.enclave.instance;

import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code duo_chat} routed to the cloud gateway ({@code vendored}, or {@code unassigned}: GitLab's
 * default): the cloud gateway answers from its own model, so the instance sends no model metadata;
 * without a cloud gateway URL the answer is a 503 naming the setting, for chat and code suggestions alike.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class VendoredChatTest {

    /** Two events of GitLab's agent stream, as the cloud gateway writes them (one JSON object a line). */
    static final String CLOUD_ANSWER = "{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"From the \"}}\n"
            + "{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"cloud.\"}}\n";

    @Inject
    TestData data;

    @Inject
    dev.enclave.instance.service.AiTokenCache aiTokens;

    String admin;
    String userToken;

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        var fake = FakeTokenServiceAndGateway.server;
        fake.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"token\":\"h.p.s\",\"expires_at\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")));
        // The cloud gateway serves chat only when the request names no model (its own model answers).
        fake.stubFor(post(urlEqualTo("/cloud/v2/chat/agent")).withRequestBody(matchingJsonPath("$.model_metadata", absent()))
                .willReturn(aResponse().withHeader("Content-Type", "application/x-ndjson").withBody(CLOUD_ANSWER)));
        fake.stubFor(post(urlPathMatching("/cloud/v2/code/.*")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody("{\"choices\":[{\"text\":\"ok\"}]}")));
        aiTokens.invalidateAll();
        admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        User user = data.user(User.ACTIVE);
        data.giveDuoSeat(user);
        userToken = data.token(user, Set.of("ai_features"), LocalDate.now().plusDays(1));
        putSettings(Map.of("offline_mode", false, "cloud_gateway_url", "http://127.0.0.1:" + fake.port() + "/cloud"));
    }

    @AfterEach
    void tearDown() {
        putSettings(Map.of("cloud_gateway_url", ""));
    }

    private void putSettings(Map<String, Object> body) {
        given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON).body(body)
                .put("/api/v4/admin/ai/settings").then().statusCode(200);
    }

    private void route(String feature, String provider) {
        Map<String, Object> body = new HashMap<>();
        body.put("provider", provider);
        given().header("PRIVATE-TOKEN", admin).contentType(ContentType.JSON).body(body)
                .put("/api/v4/admin/ai/feature_settings/" + feature).then().statusCode(200);
    }

    private Response chat(String content) {
        return given().header("PRIVATE-TOKEN", userToken).contentType(ContentType.JSON)
                .body(Map.of("content", content)).post("/api/v4/chat/completions");
    }

    @Test
    void vendoredChatIsAnsweredByTheCloudGatewaysOwnModel() {
        route("duo_chat", "vendored");
        Response response = chat("What is a merge train?");
        response.then().statusCode(201);
        assertThat(response.asString()).isEqualTo("\"From the cloud.\"");
        FakeTokenServiceAndGateway.server.verify(1, postRequestedFor(urlEqualTo("/cloud/v2/chat/agent"))
                .withHeader("Authorization", com.github.tomakehurst.wiremock.client.WireMock.equalTo("Bearer h.p.s"))
                .withRequestBody(equalToJson("{\"messages\":[{\"role\":\"user\",\"content\":\"What is a merge train?\"}],"
                        + "\"options\":{}}")));
        // Nothing went to the self-hosted gateway.
        FakeTokenServiceAndGateway.server.verify(0, postRequestedFor(urlPathMatching("/gateway/.*")));
    }

    @Test
    void unassignedChatFollowsGitLabsDefaultTheCloudGateway() {
        route("duo_chat", "unassigned");
        assertThat(chat("hi").then().statusCode(201).extract().asString()).isEqualTo("\"From the cloud.\"");
        FakeTokenServiceAndGateway.server.verify(1, postRequestedFor(urlEqualTo("/cloud/v2/chat/agent")));
    }

    @Test
    void withoutACloudGatewayUrlChatAndCodeSuggestionsAnswer503NamingTheSetting() {
        putSettings(Map.of("cloud_gateway_url", ""));
        for (String provider : new String[] {"vendored", "unassigned"}) {
            route("duo_chat", provider);
            chat("hi").then().statusCode(503).header("X-GitLab-Error-Origin", "monolith")
                    .body("message", equalTo("503 Service Unavailable - duo_chat is routed to the cloud AI gateway, "
                            + "but no cloud gateway URL is configured: set the AI setting cloud_gateway_url (or "
                            + "enclave.instance.cloud-gateway-url), or route duo_chat to a self-hosted model"));
            route("code_completions", provider);
            given().header("PRIVATE-TOKEN", userToken).contentType(ContentType.JSON)
                    .body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x")))
                    .post("/api/v4/code_suggestions/completions").then().statusCode(503)
                    .header("X-GitLab-Error-Origin", "monolith")
                    .body("message", equalTo("503 Service Unavailable - code_completions is routed to the cloud AI "
                            + "gateway, but no cloud gateway URL is configured: set the AI setting cloud_gateway_url "
                            + "(or enclave.instance.cloud-gateway-url), or route code_completions to a self-hosted "
                            + "model"));
        }
        // Refused before any token was minted or gateway called.
        FakeTokenServiceAndGateway.server.verify(0, postRequestedFor(urlPathMatching("/(cloud|gateway)/.*")));
        FakeTokenServiceAndGateway.server.verify(0, postRequestedFor(urlEqualTo("/internal/v1/ai-tokens")));
    }
}
