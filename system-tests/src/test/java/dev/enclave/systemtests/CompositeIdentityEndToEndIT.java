package dev.enclave.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.launcher.Suite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seed 001 as a client would do it, over HTTP against the packaged services: a service account
 * with composite identity, an application with {@code user:*}, a grant, its exchange and refresh
 * at {@code /oauth/token} (through the instance's public host), and the token in use.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompositeIdentityEndToEndIT {

    static final String REDIRECT = "http://localhost/callback";

    RunningSuite running;
    Map<String, String> admin;

    @BeforeAll
    void start() throws IOException {
        running = RunningSuite.start();
        admin = Map.of("PRIVATE-TOKEN", running.adminToken);
    }

    @AfterAll
    void stop() {
        if (running != null) {
            running.close();
        }
    }

    private JsonNode created(String path, String json) {
        RunningSuite.Answer answer = running.post(Suite.INSTANCE, path, admin, json);
        assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(201);
        return answer.json();
    }

    private RunningSuite.Answer asToken(String method, String path, String token, String json) {
        Map<String, String> auth = Map.of("Authorization", "Bearer " + token);
        return method.equals("GET") ? running.get(Suite.INSTANCE, path, auth)
                : running.post(Suite.INSTANCE, path, auth, json);
    }

    @Test
    void aServiceAccountActsForAHumanOnlyWhereBothMay() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        long account = created("/api/v4/service_accounts",
                "{\"username\":\"agent-" + tag + "\",\"composite_identity_enforced\":true}").path("id").asLong();
        long human = created("/api/v4/users", "{\"username\":\"alice-" + tag + "\",\"name\":\"Alice\"}")
                .path("id").asLong();
        JsonNode app = created("/api/v4/applications", "{\"name\":\"agent\",\"redirect_uri\":\"" + REDIRECT
                + "\",\"scopes\":\"api user:*\",\"confidential\":true}");
        String clientId = app.path("application_id").asText();
        String secret = app.path("secret").asText();
        assertThat(secret).isNotBlank();

        long group = created("/api/v4/groups", "{\"name\":\"team-" + tag + "\"}").path("id").asLong();
        long shared = created("/api/v4/projects", "{\"name\":\"shared\",\"namespace_id\":" + group + "}")
                .path("id").asLong();
        long agentOnly = created("/api/v4/projects", "{\"name\":\"agent-only\",\"namespace_id\":" + group + "}")
                .path("id").asLong();
        for (long member : new long[]{account, human}) {
            created("/api/v4/projects/" + shared + "/members", "{\"user_id\":" + member + ",\"access_level\":30}");
        }
        created("/api/v4/projects/" + agentOnly + "/members", "{\"user_id\":" + account + ",\"access_level\":30}");

        String code = created("/api/v4/service_accounts/" + account + "/oauth_grants",
                "{\"application_id\":\"" + clientId + "\",\"user_id\":" + human + ",\"scopes\":\"api\","
                        + "\"redirect_uri\":\"" + REDIRECT + "\"}").path("code").asText();

        RunningSuite.Answer exchanged = running.postForm(Suite.INSTANCE, "/oauth/token",
                RunningSuite.basic(clientId, secret),
                Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT));
        assertThat(exchanged.status()).as(exchanged.body()).isEqualTo(200);
        String access = exchanged.json().path("access_token").asText();
        String refresh = exchanged.json().path("refresh_token").asText();
        assertThat(exchanged.json().path("scope").asText()).contains("user:" + human).contains("api");
        assertThat(exchanged.json().path("expires_in").asInt()).isEqualTo(7200);

        // GET /user answers with the service account; writes are attributed to it.
        assertThat(asToken("GET", "/api/v4/user", access, null).json().path("id").asLong()).isEqualTo(account);
        RunningSuite.Answer issue = asToken("POST", "/api/v4/projects/" + shared + "/issues", access,
                "{\"title\":\"opened by the agent for Alice\"}");
        assertThat(issue.status()).as(issue.body()).isEqualTo(201);
        assertThat(issue.json().path("author").path("id").asLong()).isEqualTo(account);
        // The human cannot see this project, so neither can the pair.
        assertThat(asToken("GET", "/api/v4/projects/" + agentOnly, access, null).status()).isEqualTo(404);

        // Refresh keeps user:<id>; the new token works.
        RunningSuite.Answer refreshed = running.postForm(Suite.INSTANCE, "/oauth/token",
                RunningSuite.basic(clientId, secret), Map.of("grant_type", "refresh_token", "refresh_token", refresh));
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        assertThat(refreshed.json().path("scope").asText()).contains("user:" + human);
        String refreshedAccess = refreshed.json().path("access_token").asText();
        assertThat(asToken("GET", "/api/v4/projects/" + shared, refreshedAccess, null).status()).isEqualTo(200);

        // The audit log names the human as author of the grant and the account as its target.
        JsonNode events = running.get(Suite.INSTANCE, "/api/v4/audit_events?entity_type=User&entity_id=" + account,
                admin).json();
        assertThat(events.findValuesAsText("event_name")).contains("composite_oauth_token_created");
        for (JsonNode event : events) {
            if (event.path("event_name").asText().equals("composite_oauth_token_created")) {
                assertThat(event.path("author_id").asLong()).isEqualTo(human);
            }
        }

        // Replaying the spent refresh token revokes the family: the newest access token stops
        // working at the instance within its revocation poll interval.
        RunningSuite.Answer replay = running.postForm(Suite.INSTANCE, "/oauth/token",
                RunningSuite.basic(clientId, secret), Map.of("grant_type", "refresh_token", "refresh_token", refresh));
        assertThat(replay.status()).isEqualTo(400);
        assertThat(replay.json().path("error").asText()).isEqualTo("invalid_grant");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        int status = 200;
        while (status == 200 && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
            status = asToken("GET", "/api/v4/user", refreshedAccess, null).status();
        }
        assertThat(status).as("revoked token still accepted after 15 s").isEqualTo(401);
    }

    @Test
    void aTokenOfAnEnforcedServiceAccountWithoutAUserIsRefused() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        long account = created("/api/v4/service_accounts",
                "{\"username\":\"lonely-" + tag + "\",\"composite_identity_enforced\":true}").path("id").asLong();
        String pat = created("/api/v4/users/" + account + "/personal_access_tokens",
                "{\"name\":\"bot\",\"scopes\":[\"api\"]}").path("token").asText();
        RunningSuite.Answer answer = running.get(Suite.INSTANCE, "/api/v4/user", Map.of("PRIVATE-TOKEN", pat));
        assertThat(answer.status()).isEqualTo(401);
    }
}
