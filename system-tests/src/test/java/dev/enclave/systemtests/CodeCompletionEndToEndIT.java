package dev.enclave.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.launcher.ServiceProcess;
import dev.enclave.launcher.Suite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The foundation's request path over real HTTP between separate processes:
 * editor -> instance-service -> (token-service) -> ai-gateway -> model-adapter -> model server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CodeCompletionEndToEndIT {

    RunningSuite running;

    @BeforeAll
    void start() throws IOException {
        running = RunningSuite.start();
        for (ServiceProcess service : running.suite.services()) {
            System.out.printf("%s ready in %d ms%n", service.name(), service.lastStartTime().toMillis());
        }
    }

    @AfterAll
    void stop() {
        if (running != null) {
            running.close();
        }
    }

    @Test
    @Order(1)
    void everyServiceReportsReady() {
        for (String name : new String[]{Suite.TOKEN_SERVICE, Suite.ADAPTER, Suite.GATEWAY, Suite.INSTANCE}) {
            assertThat(running.get(name, "/q/health/ready", Map.of()).status()).as(name).isEqualTo(200);
        }
    }

    @Test
    @Order(2)
    void completionTravelsThroughAllFourHopsInGitLabsShape() {
        RunningSuite.Answer answer = running.complete("def add(a, b):\n    ");

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode json = answer.json();
        assertThat(json.path("object").asText()).isEqualTo("text_completion");
        assertThat(json.path("id").asText()).isNotBlank();
        assertThat(json.path("created").asLong()).isPositive();
        assertThat(json.path("model").path("name").asText()).isEqualTo(Suite.SIMULATED_MODEL);
        assertThat(json.path("model").path("lang").asText()).isEqualTo("python");
        assertThat(json.path("model").path("engine").asText()).isNotBlank();
        JsonNode choice = json.path("choices").path(0);
        assertThat(choice.path("text").asText()).isNotBlank();
        assertThat(choice.path("index").asInt()).isZero();
        assertThat(choice.path("finish_reason").asText()).isIn("length", "stop");
    }

    @Test
    @Order(3)
    void theModelsAnswerDependsOnThePromptTheUserSent() {
        String first = running.complete("def add(a, b):\n    ").json().path("choices").path(0).path("text").asText();
        String again = running.complete("def add(a, b):\n    ").json().path("choices").path(0).path("text").asText();
        String other = running.complete("class Stack:\n    def push(self, item):\n        ").json()
                .path("choices").path(0).path("text").asText();
        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    @Order(4)
    void generationIntentIsServedToo() {
        String body = "{\"intent\":\"generation\",\"current_file\":{\"file_name\":\"sort.py\","
                + "\"content_above_cursor\":\"# sort a list of numbers\\n\"}}";
        RunningSuite.Answer answer = running.post(Suite.INSTANCE, "/api/v4/code_suggestions/completions",
                Map.of("PRIVATE-TOKEN", running.adminToken), body);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().path("choices").path(0).path("text").asText()).isNotBlank();
    }

    /**
     * Rotation mid-run: tokens signed by the old key keep working until they expire, and a token
     * signed by the new key is accepted at once (the gateway refetches the key set on an unknown kid).
     */
    @Test
    @Order(5)
    void aKeyRotationMidRunFailsNoRequest() {
        assertThat(running.complete("def before_rotation():\n    ").status()).isEqualTo(200);

        RunningSuite.Answer rotation = running.post(Suite.TOKEN_SERVICE, "/internal/v1/keys/rotate",
                running.instanceClientAuth(), "");
        assertThat(rotation.status()).as(rotation.body()).isEqualTo(201);
        String newKid = rotation.json().path("kid").asText();
        String oldKid = rotation.json().path("previous_kid").asText();
        String keys = running.get(Suite.TOKEN_SERVICE, "/oauth/discovery/keys", Map.of()).body();
        assertThat(keys).contains(newKid).contains(oldKid);

        // The instance's cached token was signed by the old key: still accepted.
        assertThat(running.complete("def after_rotation():\n    ").status()).isEqualTo(200);

        // A token signed by the new key, straight to the gateway.
        String instanceId = java.util.UUID.randomUUID().toString();
        RunningSuite.Answer minted = running.post(Suite.TOKEN_SERVICE, "/internal/v1/ai-tokens",
                running.instanceClientAuth(),
                "{\"instance_id\":\"" + instanceId + "\",\"scopes\":[\"complete_code\"]}");
        assertThat(minted.status()).as(minted.body()).isEqualTo(200);
        String body = "{\"current_file\":{\"file_name\":\"a.py\",\"content_above_cursor\":\"def new_key():\\n\"},"
                + "\"model_provider\":\"litellm\",\"model_endpoint\":\"" + running.service(Suite.SIMULATOR).url()
                + "/v1\",\"model_api_key\":\"" + running.modelApiKey + "\",\"model_identifier\":\"custom_openai/"
                + Suite.SIMULATED_MODEL + "\",\"model_name\":\"codestral\"}";
        RunningSuite.Answer direct = running.post(Suite.GATEWAY, "/v2/code/completions", Map.of(
                "Authorization", "Bearer " + minted.json().path("token").asText(),
                "X-Gitlab-Authentication-Type", "oidc",
                "X-Gitlab-Realm", "self-managed",
                "X-Gitlab-Instance-Id", instanceId), body);
        assertThat(direct.status()).as(direct.body()).isEqualTo(200);
        assertThat(direct.json().path("choices").path(0).path("text").asText()).isNotBlank();
    }

    @Test
    @Order(6)
    void callersWithoutATokenGetGitLabsUnauthorized() {
        RunningSuite.Answer answer = running.post(Suite.INSTANCE, "/api/v4/code_suggestions/completions", Map.of(),
                "{\"current_file\":{\"file_name\":\"a.py\",\"content_above_cursor\":\"x\"}}");
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.json().path("message").asText()).isEqualTo("401 Unauthorized");
    }

    @Test
    @Order(7)
    void theGatewayRefusesCallsThatDoNotComeWithAValidToken() {
        RunningSuite.Answer answer = running.post(Suite.GATEWAY, "/v2/code/completions",
                Map.of("Authorization", "Bearer forged.token.value", "X-Gitlab-Authentication-Type", "oidc"),
                "{\"current_file\":{\"file_name\":\"a.py\",\"content_above_cursor\":\"x\"}}");
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.json().path("error").asText()).isEqualTo("Forbidden by auth provider");
    }

    @Test
    @Order(8)
    void aWrongModelApiKeyGivesTheCallerTheModelServersRefusal() {
        running.simulatorControl("{\"api_key\":\"rotated-at-the-model-server\"}");
        try {
            RunningSuite.Answer answer = running.complete("def refused():\n    ");
            assertThat(answer.status()).as(answer.body()).isEqualTo(421);
            assertThat(answer.json().path("detail").asText())
                    .startsWith("401: ")
                    .contains("model server at http://127.0.0.1:" + running.service(Suite.SIMULATOR).port())
                    .contains("Unauthorized");
        } finally {
            running.simulatorControl("{\"api_key\":\"" + running.modelApiKey + "\"}");
        }
        assertThat(running.complete("def ok():\n    ").status()).isEqualTo(200);
    }

    @Test
    @Order(9)
    void modelServerFailuresAreReportedNotHung() {
        running.simulatorControl("{\"fail_next\":1,\"status\":503}");
        RunningSuite.Answer answer = running.complete("def unavailable():\n    ");
        assertThat(answer.status()).isEqualTo(421);
        assertThat(answer.json().path("detail").asText()).startsWith("503: ");
        assertThat(running.complete("def back():\n    ").status()).isEqualTo(200);
    }

    @Test
    @Order(10)
    void theApiKeyNeverAppearsInAnyLog() throws IOException {
        for (ServiceProcess service : running.suite.services()) {
            if (Files.exists(service.log())) {
                assertThat(Files.readString(service.log())).as(service.name() + " log")
                        .doesNotContain(running.modelApiKey)
                        .doesNotContain(running.adminToken);
            }
        }
    }

    /**
     * The context a client sends reaches the model: a completion with a file and a snippet context
     * item, through the instance (whose token carries include_file_context and
     * include_snippet_context), arrives at the model server in codestral's fill-in-the-middle prompt,
     * as the simulator recorded it ({@code GET /__simulator/requests}), with codestral's stop sequences.
     */
    @Test
    @Order(11)
    void theClientsContextReachesTheModelInTheFamilysPrompt() {
        String function = "def total_" + java.util.UUID.randomUUID().toString().substring(0, 8) + "(items):\n    ";
        String body = "{\"current_file\":{\"file_name\":\"cart.py\",\"content_above_cursor\":"
                + RunningSuite.quote(function) + ",\"content_below_cursor\":\"\"},"
                + "\"context\":[{\"type\":\"file\",\"name\":\"lib/prices.py\",\"content\":\"TAX = 0.2\\n\"},"
                + "{\"type\":\"snippet\",\"name\":\"net\",\"content\":\"def net(p):\\n    return p * (1 - TAX)\"}]}";
        RunningSuite.Answer answer = running.post(Suite.INSTANCE, "/api/v4/code_suggestions/completions",
                Map.of("PRIVATE-TOKEN", running.adminToken), body);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);

        RunningSuite.Answer recorded = running.get(Suite.SIMULATOR, "/__simulator/requests", Map.of());
        assertThat(recorded.status()).as(recorded.body()).isEqualTo(200);
        java.util.List<JsonNode> ours = new java.util.ArrayList<>();
        for (JsonNode request : recorded.json()) {
            if (request.path("body").path("prompt").asText("").endsWith(function)) {
                ours.add(request);
            }
        }
        assertThat(ours).hasSize(1);
        assertThat(ours.get(0).path("path").asText()).isEqualTo("/v1/completions");
        JsonNode sent = ours.get(0).path("body");
        assertThat(sent.path("prompt").asText()).isEqualTo("[SUFFIX][PREFIX]#lib/prices.py\nTAX = 0.2\n\n"
                + "#net\ndef net(p):\n    return p * (1 - TAX)\n" + function);
        assertThat(sent.path("stop").toString())
                .isEqualTo("[\"[INST]\",\"[/INST]\",\"[PREFIX]\",\"[MIDDLE]\",\"[SUFFIX]\"]");
    }

    /**
     * The completion's usage record: the tokens the simulator counted travel model-adapter → ai-gateway
     * ({@code model.tokens_consumption_metadata}) → instance-service, which writes the record within
     * its flush interval and reports it to admins.
     */
    @Test
    @Order(50)
    void aCompletionsUsageReachesTheAdminsReport() throws InterruptedException {
        // the earlier tests' records may still be queued: start from a report that no longer changes
        // (the queue is written every second)
        JsonNode before = codeCompletionsUsage();
        for (int i = 0; i < 10; i++) {
            Thread.sleep(1500);
            JsonNode again = codeCompletionsUsage();
            if (again.path("requests").asLong() == before.path("requests").asLong()) {
                break;
            }
            before = again;
        }
        RunningSuite.Answer answer = running.complete("def usage_is_recorded():\n    ");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode tokens = answer.json().path("model").path("tokens_consumption_metadata");
        assertThat(tokens.path("input_tokens").asLong()).as(answer.body()).isPositive();
        assertThat(tokens.path("output_tokens").asLong()).as(answer.body()).isPositive();

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode after = codeCompletionsUsage();
        while (after.path("requests").asLong() == before.path("requests").asLong() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            after = codeCompletionsUsage();
        }
        assertThat(after.path("requests").asLong()).isEqualTo(before.path("requests").asLong() + 1);
        assertThat(after.path("successful_requests").asLong())
                .isEqualTo(before.path("successful_requests").asLong() + 1);
        assertThat(after.path("input_tokens").asLong())
                .isEqualTo(before.path("input_tokens").asLong() + tokens.path("input_tokens").asLong());
        assertThat(after.path("output_tokens").asLong())
                .isEqualTo(before.path("output_tokens").asLong() + tokens.path("output_tokens").asLong());
    }

    private JsonNode codeCompletionsUsage() {
        RunningSuite.Answer usage = running.get(Suite.INSTANCE, "/api/v4/admin/ai/usage?group_by=feature",
                Map.of("PRIVATE-TOKEN", running.adminToken));
        assertThat(usage.status()).as(usage.body()).isEqualTo(200);
        for (JsonNode group : usage.json()) {
            if (group.path("feature").asText().equals("code_completions")) {
                return group;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /**
     * After the completions above (a token minted, the answer streamed from the model through
     * model-adapter and ai-gateway), every metric the Grafana dashboard and the alert rules of
     * deploy/observability use is in a real scrape of {@code /q/metrics} of one of the four services.
     */
    @Test
    @Order(12)
    void everyMetricOfTheDashboardAndTheAlertsIsScraped() throws IOException {
        assertThat(running.complete("def scraped():\n    ").status()).isEqualTo(200);
        java.util.Set<String> scraped = new java.util.TreeSet<>();
        for (String name : new String[]{Suite.TOKEN_SERVICE, Suite.ADAPTER, Suite.GATEWAY, Suite.INSTANCE}) {
            RunningSuite.Answer scrape = running.get(name, "/q/metrics", Map.of());
            assertThat(scrape.status()).as(name + " /q/metrics").isEqualTo(200);
            for (String line : scrape.body().split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
                    scraped.add(line.substring(0, end));
                }
            }
            // the AI series count by feature, model and outcome only: never a user, a token or a key
            assertThat(scrape.body()).as(name).doesNotContain(running.modelApiKey).doesNotContain(running.adminToken);
        }
        assertThat(scraped).contains("enclave_ai_requests_total", "http_server_requests_seconds_count",
                "http_client_requests_seconds_count");

        java.util.List<String> expressions = new java.util.ArrayList<>(PromQlMetrics.dashboardExpressions());
        int dashboard = expressions.size();
        expressions.addAll(PromQlMetrics.alertExpressions());
        assertThat(dashboard).as("dashboard expressions").isGreaterThan(10);
        assertThat(expressions.size() - dashboard).as("alert expressions").isGreaterThan(5);
        java.util.Set<String> used = new java.util.TreeSet<>();
        for (String expr : expressions) {
            java.util.Set<String> metrics = PromQlMetrics.metricsOf(expr);
            assertThat(metrics).as("metrics of %s", expr).isNotEmpty();
            used.addAll(metrics);
        }
        System.out.println("dashboard and alerts use " + used);
        assertThat(scraped).as("metrics scraped from the four services").containsAll(used);
    }

    @Test
    @Order(100)
    void cachedTokensKeepWorkingWhileTokenServiceIsDown() {
        assertThat(running.complete("def warm_up():\n    ").status()).isEqualTo(200);
        ServiceProcess tokenService = running.service(Suite.TOKEN_SERVICE);
        tokenService.stop();
        try {
            assertThat(tokenService.isAlive()).isFalse();
            for (int i = 0; i < 3; i++) {
                RunningSuite.Answer answer = running.complete("def still_served_" + i + "():\n    ");
                assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            }
        } finally {
            tokenService.start(Duration.ofSeconds(60));
        }
        assertThat(running.complete("def after_restart():\n    ").status()).isEqualTo(200);
    }
}
