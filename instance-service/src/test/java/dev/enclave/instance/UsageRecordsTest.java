package dev.enclave.instance;

import dev.enclave.instance.domain.AiUsageRecord;
import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.service.UsageRecorder;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Usage records (issue 11): every AI request forwarded to a gateway leaves one record, written in a
 * batch off the request path, and admins read them aggregated at {@code GET /api/v4/admin/ai/usage}.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class UsageRecordsTest {

    @Inject
    TestData data;

    @Inject
    UsageRecorder recorder;

    @Inject
    dev.enclave.instance.service.AiTokenCache aiTokens;

    User user;
    String token;
    String admin;
    SelfHostedModel model;

    @BeforeEach
    void setUp() {
        var fake = FakeTokenServiceAndGateway.server;
        FakeTokenServiceAndGateway.reset();
        FakeTokenServiceAndGateway.mintsAiToken("header.payload.sig");
        fake.stubFor(post(urlEqualTo("/gateway/v2/code/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(CodeSuggestionsTest.COMPLETION)));
        aiTokens.invalidateAll();
        recorder.flush();
        QuarkusTransaction.requiringNew().run(() -> AiUsageRecord.deleteAll());
        user = data.user(User.ACTIVE);
        data.giveDuoSeat(user);
        token = data.token(user, Set.of("ai_features"), LocalDate.now().plusDays(30));
        admin = data.token(data.admin(), Set.of("api"), LocalDate.now().plusDays(1));
        model = data.model("usage-key");
        data.route("code_completions", model);
        data.route("code_generations", model);
    }

    private Response complete(boolean stream) {
        return given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("stream", stream, "current_file", Map.of("file_name", "main.py",
                        "content_above_cursor", "def add(a, b):\n    ", "content_below_cursor", "")))
                .post("/api/v4/code_suggestions/completions");
    }

    private static List<AiUsageRecord> records() {
        return QuarkusTransaction.requiringNew().call(() -> AiUsageRecord.<AiUsageRecord>list("order by id"));
    }

    private Response usage(String query) {
        return given().header("PRIVATE-TOKEN", admin).get("/api/v4/admin/ai/usage" + query);
    }

    @Test
    void aCompletionIsRecordedWithItsUserFeatureModelTokensAndOutcome() {
        complete(false).then().statusCode(200);
        assertThat(records()).as("nothing is written on the request path").isEmpty();

        assertThat(recorder.flush()).isZero();

        List<AiUsageRecord> records = records();
        assertThat(records).hasSize(1);
        AiUsageRecord record = records.get(0);
        assertThat(record.userId).isEqualTo(user.id);
        assertThat(record.feature).isEqualTo("code_completions");
        assertThat(record.model).isEqualTo(model.name);
        // the contract's example: the tokens ai-gateway reports in model.tokens_consumption_metadata
        assertThat(record.inputTokens).isEqualTo(12L);
        assertThat(record.outputTokens).isEqualTo(5L);
        assertThat(record.outcome).isEqualTo("success");
        assertThat(record.latencyMs).isNotNegative();
        assertThat(record.createdAt).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
    }

    @Test
    void aStreamIsRecordedWhenItEndsWithoutTokens() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/gateway/v2/code/completions")).willReturn(aResponse()
                .withHeader("Content-Type", "text/event-stream").withBody("return a + b")));

        complete(true).then().statusCode(200);
        recorder.flush();

        List<AiUsageRecord> records = records();
        assertThat(records).hasSize(1);
        assertThat(records.get(0).outcome).isEqualTo("success");
        assertThat(records.get(0).inputTokens).isNull();
        assertThat(records.get(0).outputTokens).isNull();
    }

    @Test
    void failuresAreRecordedWithTheirOutcome() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/gateway/v2/code/completions")).willReturn(aResponse()
                .withStatus(500).withHeader("Content-Type", "application/json").withBody("{\"detail\":\"boom\"}")));
        complete(false).then().statusCode(500);
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/gateway/v2/code/completions")).willReturn(aResponse()
                .withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER)));
        complete(false).then().statusCode(503);
        recorder.flush();

        assertThat(records()).extracting(r -> r.outcome).containsExactly("error", "unavailable");
        assertThat(records()).allSatisfy(r -> assertThat(r.inputTokens).isNull());
    }

    @Test
    void aChatIsRecordedAsDuoChat() {
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/gateway/v2/chat/agent")).willReturn(aResponse()
                .withHeader("Content-Type", "application/x-ndjson")
                .withBody("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"Use git revert.\"}}\n")));
        data.route("duo_chat", model);
        given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("content", "How do I undo a commit?")).post("/api/v4/chat/completions")
                .then().statusCode(201);
        FakeTokenServiceAndGateway.server.stubFor(post(urlEqualTo("/gateway/v2/chat/agent")).willReturn(aResponse()
                .withHeader("Content-Type", "application/x-ndjson")
                .withBody("{\"type\":\"error\",\"data\":{\"message\":\"model failed\"}}\n")));
        given().header("PRIVATE-TOKEN", token).contentType(ContentType.JSON)
                .body(Map.of("content", "And now?")).post("/api/v4/chat/completions");
        recorder.flush();

        assertThat(records()).extracting(r -> r.feature + " " + r.model + " " + r.outcome + " " + r.userId)
                .containsExactly("duo_chat " + model.name + " success " + user.id,
                        "duo_chat " + model.name + " error " + user.id);
    }

    @Test
    void refusalsBeforeTheGatewayAreNotRecorded() {
        data.disable("code_completions");
        complete(false).then().statusCode(401);
        recorder.flush();
        assertThat(records()).isEmpty();
    }

    @Test
    void adminsReadTheRecordsGroupedByUserModelOrFeature() {
        User other = data.user(User.ACTIVE);
        Instant now = Instant.now();
        recorder.record(new UsageRecorder.Entry(now, user.id, "code_completions", "m1", 10L, 2L, 100, AiUsageRecord.Outcome.SUCCESS));
        recorder.record(new UsageRecorder.Entry(now, user.id, "code_completions", "m1", 20L, 3L, 300, AiUsageRecord.Outcome.ERROR));
        recorder.record(new UsageRecorder.Entry(now, user.id, "duo_chat", "m2", null, null, 200, AiUsageRecord.Outcome.SUCCESS));
        recorder.record(new UsageRecorder.Entry(now, other.id, "code_completions", "m2", 1L, 1L, 50, AiUsageRecord.Outcome.SUCCESS));
        recorder.flush();

        Response byUser = usage("?group_by=user");
        byUser.then().statusCode(200).header("X-Total", "2");
        assertThat(byUser.jsonPath().getLong("[0].user.id")).isEqualTo(user.id);
        assertThat(byUser.jsonPath().getString("[0].user.username")).isEqualTo(user.username);
        assertThat(byUser.jsonPath().getLong("[0].requests")).isEqualTo(3);
        assertThat(byUser.jsonPath().getLong("[0].successful_requests")).isEqualTo(2);
        assertThat(byUser.jsonPath().getLong("[0].failed_requests")).isEqualTo(1);
        assertThat(byUser.jsonPath().getLong("[0].requests_with_token_counts")).isEqualTo(2);
        assertThat(byUser.jsonPath().getLong("[0].input_tokens")).isEqualTo(30);
        assertThat(byUser.jsonPath().getLong("[0].output_tokens")).isEqualTo(5);
        assertThat(byUser.jsonPath().getLong("[0].average_latency_ms")).isEqualTo(200);
        assertThat(byUser.jsonPath().getLong("[1].user.id")).isEqualTo(other.id);
        assertThat(byUser.jsonPath().getMap("[0]")).doesNotContainKeys("model", "feature");

        Response byModel = usage("?group_by=model");
        assertThat(byModel.jsonPath().getList("model", String.class)).containsExactly("m1", "m2");
        assertThat(byModel.jsonPath().getList("requests", Long.class)).containsExactly(2L, 2L);
        assertThat(byModel.jsonPath().getMap("[0]")).doesNotContainKeys("user", "feature");

        Response byFeature = usage("?group_by=feature");
        assertThat(byFeature.jsonPath().getList("feature", String.class)).containsExactly("code_completions", "duo_chat");
        assertThat(byFeature.jsonPath().getList("input_tokens", Long.class)).containsExactly(31L, 0L);
        assertThat(usage("").jsonPath().getList("user.id", Long.class)).as("user is the default grouping")
                .containsExactly(user.id, other.id);
    }

    @Test
    void theWindowIsFromIncludedToExcluded() {
        Instant day = Instant.parse("2026-03-10T12:00:00Z");
        recorder.record(new UsageRecorder.Entry(day, user.id, "code_completions", "m1", 1L, 1L, 10, AiUsageRecord.Outcome.SUCCESS));
        recorder.record(new UsageRecorder.Entry(day.plus(Duration.ofDays(1)), user.id, "code_completions", "m1", 1L, 1L,
                10, AiUsageRecord.Outcome.SUCCESS));
        recorder.flush();

        assertThat(usage("?from=2026-03-10&to=2026-03-10").jsonPath().getLong("[0].requests"))
                .as("a date as `to` includes that day").isEqualTo(1);
        assertThat(usage("?from=2026-03-10&to=2026-03-11").jsonPath().getLong("[0].requests")).isEqualTo(2);
        assertThat(usage("?from=2026-03-10T12:00:00Z&to=2026-03-11T12:00:00Z").jsonPath().getLong("[0].requests"))
                .isEqualTo(1);
        usage("").then().statusCode(200).header("X-Total", "0");
    }

    @Test
    void pagesAreReadFromTheDatabaseWithGitLabsHeaders() {
        Instant now = Instant.now();
        for (int i = 0; i < 5; i++) {
            recorder.record(new UsageRecorder.Entry(now, user.id, "code_completions", "model-" + i, 1L, 1L, 10,
                    AiUsageRecord.Outcome.SUCCESS));
        }
        recorder.flush();

        Response page = usage("?group_by=model&per_page=2&page=3");
        page.then().statusCode(200).header("X-Total", "5").header("X-Total-Pages", "3").header("X-Page", "3")
                .header("X-Prev-Page", "2").header("X-Next-Page", "");
        assertThat(page.jsonPath().getList("model", String.class)).containsExactly("model-4");
        assertThat(page.header("Link")).contains("rel=\"prev\"").contains("group_by=model");
    }

    @Test
    void badParametersAreRefusedSayingWhatToFix() {
        usage("?group_by=project").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("group_by does not have a valid value: one of user, model, feature"));
        usage("?from=yesterday").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("from is invalid: an ISO 8601 date"));
        usage("?to=2026-13-01").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("to is invalid"));
        usage("?from=2026-03-11&to=2026-03-10").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("from must be before to"));
        usage("?per_page=x").then().statusCode(400);
    }

    @Test
    void onlyAdminsReadUsage() {
        given().header("PRIVATE-TOKEN", token).get("/api/v4/admin/ai/usage").then().statusCode(403);
        given().get("/api/v4/admin/ai/usage").then().statusCode(401);
    }

    @Test
    void recordsOlderThanTheRetentionAreDeleted() {
        Instant now = Instant.now();
        recorder.record(new UsageRecorder.Entry(now.minus(Duration.ofDays(91)), user.id, "code_completions", "m1", 1L,
                1L, 10, AiUsageRecord.Outcome.SUCCESS));
        recorder.record(new UsageRecorder.Entry(now.minus(Duration.ofDays(89)), user.id, "code_completions", "m1", 1L,
                1L, 10, AiUsageRecord.Outcome.SUCCESS));
        recorder.flush();

        assertThat(recorder.purge()).isEqualTo(1);
        assertThat(records()).singleElement().satisfies(r ->
                assertThat(r.createdAt).isAfter(now.minus(Duration.ofDays(90))));
    }

    @Test
    void manyRecordsAreWrittenInBatches() {
        Instant now = Instant.now();
        for (int i = 0; i < 1234; i++) {
            recorder.record(new UsageRecorder.Entry(now, user.id, "code_completions", "m1", 1L, 1L, i,
                    AiUsageRecord.Outcome.SUCCESS));
        }
        assertThat(recorder.flush()).isZero();
        assertThat(records()).hasSize(1234);
        assertThat(recorder.pending()).isZero();
    }
}
