package dev.enclave.instance;

import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.domain.User;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * The AI request path under configured limits ({@code enclave.instance.rate-limits.*}), and its
 * budget: once the caches are warm a request touches the database not at all.
 */
@QuarkusTest
@TestProfile(HotPathTest.TightLimits.class)
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class HotPathTest {

    public static class TightLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.instance.rate-limits.code-suggestions.requests", "3",
                    "enclave.instance.rate-limits.chat.requests", "3",
                    "enclave.instance.rate-limits.chat.per", "PT10M",
                    // Long enough that two consecutive requests meet the same cached settings on any machine.
                    "enclave.instance.settings-cache-ttl", "PT10M");
        }
    }

    @Inject
    TestData data;

    @Inject
    SessionFactory sessions;

    @Inject
    dev.enclave.instance.service.AiTokenCache aiTokens;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    private double count(String name, String tag, String value) {
        io.micrometer.core.instrument.Counter counter = registry.find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    String token;

    @BeforeEach
    void setUp() {
        FakeTokenServiceAndGateway.reset();
        var fake = FakeTokenServiceAndGateway.server;
        fake.stubFor(post(urlEqualTo("/internal/v1/ai-tokens")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json")
                .withBody("{\"token\":\"h.p.s\",\"expires_at\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")));
        fake.stubFor(post(urlEqualTo("/gateway/v2/code/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody("{\"choices\":[{\"text\":\"ok\"}]}")));
        fake.stubFor(post(urlEqualTo("/gateway/v2/chat/agent")).willReturn(aResponse()
                .withHeader("Content-Type", "application/x-ndjson")
                .withBody("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"ok\"}}\n")));
        aiTokens.invalidateAll();
        User user = data.user(User.ACTIVE);
        data.giveDuoSeat(user);
        token = data.token(user, Set.of("ai_features"), LocalDate.now().plusDays(1));
        SelfHostedModel model = data.model("key");
        data.route("code_completions", model);
        data.route("duo_chat", model);
    }

    private Response complete() {
        return given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("current_file", Map.of("file_name", "a.py", "content_above_cursor", "x")))
                .post("/api/v4/code_suggestions/completions");
    }

    private Response chat() {
        return given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON).body(Map.of("content", "hi"))
                .post("/api/v4/chat/completions");
    }

    @Test
    void configuredCodeSuggestionsLimitRefusesTheFourthRequest() {
        double rejected = count("enclave.rate.limit.rejections", "limit", "code_suggestions");
        double minted = count("enclave.ai.token.mints", "outcome", "success");
        for (int i = 0; i < 3; i++) {
            complete().then().statusCode(200);
        }
        // the first request found no token (the cache was emptied) and minted one, the others used it
        assertThat(count("enclave.ai.token.mints", "outcome", "success")).isEqualTo(minted + 1);
        assertThat(count("enclave.rate.limit.rejections", "limit", "code_suggestions")).isEqualTo(rejected);
        complete().then().statusCode(429).header("Retry-After", notNullValue())
                .header("X-GitLab-Error-Origin", "monolith").body("message", equalTo("429 Too Many Requests"));
        assertThat(count("enclave.rate.limit.rejections", "limit", "code_suggestions")).isEqualTo(rejected + 1);
    }

    @Test
    void configuredChatLimitRefusesTheFourthRequest() {
        for (int i = 0; i < 3; i++) {
            chat().then().statusCode(201);
        }
        chat().then().statusCode(429).header("Retry-After", notNullValue());
    }

    @Test
    void aWarmCompletionRequestNeitherReadsNorWritesTheDatabase() {
        Statistics statistics = sessions.getStatistics();
        statistics.clear();
        complete().then().statusCode(200);
        // The cold request read (the token, the seat, the routing): proof that statements are counted.
        assertThat(statistics.getPrepareStatementCount()).as("SQL statements of the first request").isPositive();
        statistics.clear();

        complete().then().statusCode(200).body("choices[0].text", equalTo("ok"));

        assertThat(statistics.getPrepareStatementCount()).as("SQL statements").isZero();
        assertThat(statistics.getEntityInsertCount() + statistics.getEntityUpdateCount()
                + statistics.getEntityDeleteCount()).as("entity writes").isZero();
    }
}
