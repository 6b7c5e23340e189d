package dev.enclave.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.launcher.ServiceProcess;
import dev.enclave.launcher.Suite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seed 000 from the admin's side, over HTTP against the packaged services: a model created and
 * checked through the API, and code completions switched between self_hosted, vendored (a second
 * ai-gateway standing in for the cloud one, with a model of its own) and disabled, each taking
 * effect on the next request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminRoutingEndToEndIT {

    RunningSuite running;
    ServiceProcess cloud;
    Map<String, String> admin;

    @BeforeAll
    void start() throws IOException {
        running = RunningSuite.start();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        cloud = running.suite.startCloudGateway(running.options, port);
        admin = Map.of("PRIVATE-TOKEN", running.adminToken);
    }

    @AfterAll
    void stop() {
        if (running != null) {
            running.close();
        }
    }

    private JsonNode adminPut(String path, String json) {
        RunningSuite.Answer answer = running.put(Suite.INSTANCE, path, admin, json);
        assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(200);
        return answer.json();
    }

    private String servedBy() {
        RunningSuite.Answer answer = running.complete("def which_model():\n    ");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().path("model").path("name").asText();
    }

    @Test
    void featureRoutingSwitchesBetweenSelfHostedVendoredAndDisabled() {
        long seeded = -1;
        for (JsonNode model : running.get(Suite.INSTANCE, "/api/v4/admin/ai/self_hosted_models", admin).json()) {
            if (model.path("name").asText().equals("local-codestral")) {
                seeded = model.path("id").asLong();
                assertThat(model.toString()).doesNotContain(running.modelApiKey);
            }
        }
        assertThat(seeded).isPositive();
        assertThat(servedBy()).isEqualTo(Suite.SIMULATED_MODEL);

        adminPut("/api/v4/admin/ai/settings", "{\"cloud_gateway_url\":\"" + cloud.url() + "\"}");
        adminPut("/api/v4/admin/ai/feature_settings/code_completions", "{\"provider\":\"vendored\"}");
        assertThat(servedBy()).isEqualTo(Suite.VENDOR_MODEL);

        adminPut("/api/v4/admin/ai/feature_settings/code_completions", "{\"provider\":\"disabled\"}");
        assertThat(running.complete("def off():\n    ").status()).isEqualTo(401);

        adminPut("/api/v4/admin/ai/feature_settings/code_completions",
                "{\"provider\":\"self_hosted\",\"ai_self_hosted_model_id\":" + seeded + "}");
        assertThat(servedBy()).isEqualTo(Suite.SIMULATED_MODEL);

        // Offline: vendored can no longer be chosen, and nothing goes to the cloud gateway.
        adminPut("/api/v4/admin/ai/settings", "{\"offline_mode\":true}");
        RunningSuite.Answer refused = running.put(Suite.INSTANCE, "/api/v4/admin/ai/feature_settings/code_completions",
                admin, "{\"provider\":\"vendored\"}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(servedBy()).isEqualTo(Suite.SIMULATED_MODEL);
        adminPut("/api/v4/admin/ai/settings", "{\"offline_mode\":false}");
    }

    @Test
    void aModelCreatedThroughTheApiPassesTheConnectionCheckAndAWrongKeyIsNamed() {
        String endpoint = running.service(Suite.SIMULATOR).url() + "/v1";
        String good = "{\"name\":\"checked-" + UUID.randomUUID() + "\",\"model\":\"codestral\",\"endpoint\":\""
                + endpoint + "\",\"identifier\":\"custom_openai/" + Suite.SIMULATED_MODEL + "\",\"api_token\":\""
                + running.modelApiKey + "\"}";
        RunningSuite.Answer created = running.post(Suite.INSTANCE, "/api/v4/admin/ai/self_hosted_models", admin, good);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).doesNotContain(running.modelApiKey);
        long id = created.json().path("id").asLong();

        JsonNode ok = running.post(Suite.INSTANCE, "/api/v4/admin/ai/self_hosted_models/" + id + "/connection_check",
                admin, "").json();
        assertThat(ok.path("success").asBoolean()).as(ok.toString()).isTrue();

        running.put(Suite.INSTANCE, "/api/v4/admin/ai/self_hosted_models/" + id, admin, "{\"api_token\":\"wrong\"}");
        JsonNode refused = running.post(Suite.INSTANCE,
                "/api/v4/admin/ai/self_hosted_models/" + id + "/connection_check", admin, "").json();
        assertThat(refused.path("success").asBoolean()).isFalse();
        assertThat(refused.path("errors").path(0).asText()).contains("401").contains("Unauthorized");

        JsonNode outside = running.post(Suite.INSTANCE, "/api/v4/admin/ai/self_hosted_models/connection_check", admin,
                "{\"model\":\"mistral\",\"endpoint\":\"http://203.0.113.7/v1\",\"identifier\":\"m\"}").json();
        assertThat(outside.path("success").asBoolean()).isFalse();
        assertThat(outside.path("errors").path(0).asText()).contains("outside the allowed networks");
    }
}
