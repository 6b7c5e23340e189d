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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14 over real processes: composite identity without a grant. An admin mints the service
 * account's token for a human directly ({@code POST /api/v4/service_accounts/:id/oauth_tokens}); it
 * works only where both may, is refreshed at {@code /oauth/token} keeping {@code user:<id>}, is
 * revoked, and the audit log holds {@code composite_oauth_token_created} for the mint and the refresh.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompositeTokenWithoutGrantEndToEndIT {

    /** The instance polls token-service's revocation list every 5 s; a request and a poll more. */
    static final Duration REVOCATION_BOUND = Duration.ofSeconds(15);

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

    private int status(String path, String accessToken) {
        return running.get(Suite.INSTANCE, path, Map.of("Authorization", "Bearer " + accessToken)).status();
    }

    @Test
    void aDirectlyMintedTokenActsForTheHumanIsRefreshedRevokedAndAudited() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        long account = created("/api/v4/service_accounts",
                "{\"username\":\"agent-" + tag + "\",\"composite_identity_enforced\":true}").path("id").asLong();
        long human = created("/api/v4/users", "{\"username\":\"bob-" + tag + "\",\"name\":\"Bob\"}").path("id").asLong();
        JsonNode app = created("/api/v4/applications", "{\"name\":\"agent\",\"redirect_uri\":\"http://localhost/cb\","
                + "\"scopes\":\"api user:*\",\"confidential\":true}");
        String clientId = app.path("application_id").asText();
        Map<String, String> client = RunningSuite.basic(clientId, app.path("secret").asText());

        long group = created("/api/v4/groups", "{\"name\":\"crew-" + tag + "\"}").path("id").asLong();
        long agentOnly = project(group, "agent-only", account);
        long humanOnly = project(group, "human-only", human);
        long both = project(group, "both", account, human);

        RunningSuite.Answer minted = running.post(Suite.INSTANCE, "/api/v4/service_accounts/" + account
                + "/oauth_tokens", admin, "{\"application_id\":\"" + clientId + "\",\"scopes\":\"api user:" + human + "\"}");
        assertThat(minted.status()).as(minted.body()).isEqualTo(201);
        JsonNode tokens = minted.json();
        assertThat(tokens.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(tokens.path("expires_in").asInt()).isEqualTo(7200);
        assertThat(tokens.path("scope").asText()).isEqualTo("api user:" + human);
        assertThat(tokens.path("refresh_token").asText()).isNotBlank();
        assertThat(tokens.path("created_at").asLong()).isPositive();
        String access = tokens.path("access_token").asText();

        // GitLab's current_user is the token's owner; projects need both identities.
        RunningSuite.Answer me = running.get(Suite.INSTANCE, "/api/v4/user", Map.of("Authorization", "Bearer " + access));
        assertThat(me.status()).as(me.body()).isEqualTo(200);
        assertThat(me.json().path("id").asLong()).isEqualTo(account);
        assertOnlyWhereBothMay(access, agentOnly, humanOnly, both);

        // Refreshed the standard way, by the application: user:<id> stays, and so does the rule.
        RunningSuite.Answer refreshed = running.postForm(Suite.INSTANCE, "/oauth/token", client,
                Map.of("grant_type", "refresh_token", "refresh_token", tokens.path("refresh_token").asText()));
        assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);
        assertThat(refreshed.json().path("scope").asText()).isEqualTo("api user:" + human);
        String refreshedAccess = refreshed.json().path("access_token").asText();
        String refreshedRefresh = refreshed.json().path("refresh_token").asText();
        assertOnlyWhereBothMay(refreshedAccess, agentOnly, humanOnly, both);

        // Revoked: the refresh token at once, the access token within the revocation bound.
        assertThat(running.postForm(Suite.INSTANCE, "/oauth/revoke", client, Map.of("token", refreshedRefresh))
                .status()).isEqualTo(200);
        RunningSuite.Answer afterRevoke = running.postForm(Suite.INSTANCE, "/oauth/token", client,
                Map.of("grant_type", "refresh_token", "refresh_token", refreshedRefresh));
        assertThat(afterRevoke.status()).isEqualTo(400);
        assertThat(afterRevoke.json().path("error").asText()).isEqualTo("invalid_grant");
        Instant deadline = Instant.now().plus(REVOCATION_BOUND);
        int status = status("/api/v4/user", refreshedAccess);
        while (status == 200 && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
            status = status("/api/v4/user", refreshedAccess);
        }
        assertThat(status).as("revoked token still accepted after " + REVOCATION_BOUND).isEqualTo(401);

        // Audited when created, directly and by refresh: the human as author, the account as target.
        JsonNode events = running.get(Suite.INSTANCE, "/api/v4/audit_events?entity_type=User&entity_id=" + account,
                admin).json();
        List<String> origins = new ArrayList<>();
        for (JsonNode event : events) {
            if (event.path("event_name").asText().equals("composite_oauth_token_created")) {
                assertThat(event.path("author_id").asLong()).isEqualTo(human);
                assertThat(event.path("entity_type").asText()).isEqualTo("User");
                assertThat(event.path("entity_id").asLong()).isEqualTo(account);
                origins.add(event.path("details").asText().split(" ")[0]);
            }
        }
        assertThat(origins).containsExactlyInAnyOrder("origin=direct", "origin=refresh");
    }

    @Test
    void aServiceAccountWithoutCompositeIdentityGetsNoToken() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        long plain = created("/api/v4/service_accounts", "{\"username\":\"plain-" + tag + "\"}").path("id").asLong();
        long human = created("/api/v4/users", "{\"username\":\"carol-" + tag + "\",\"name\":\"Carol\"}")
                .path("id").asLong();
        String clientId = created("/api/v4/applications", "{\"name\":\"agent\",\"redirect_uri\":\"http://localhost/cb\","
                + "\"scopes\":\"api user:*\",\"confidential\":true}").path("application_id").asText();

        RunningSuite.Answer refused = running.post(Suite.INSTANCE, "/api/v4/service_accounts/" + plain + "/oauth_tokens",
                admin, "{\"application_id\":\"" + clientId + "\",\"scopes\":\"api user:" + human + "\"}");
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().path("error").asText()).contains("composite_identity_enforced");
    }

    private long project(long group, String name, long... members) {
        long project = created("/api/v4/projects", "{\"name\":\"" + name + "\",\"namespace_id\":" + group + "}")
                .path("id").asLong();
        for (long member : members) {
            created("/api/v4/projects/" + project + "/members", "{\"user_id\":" + member + ",\"access_level\":30}");
        }
        return project;
    }

    private void assertOnlyWhereBothMay(String accessToken, long agentOnly, long humanOnly, long both) {
        assertThat(status("/api/v4/projects/" + agentOnly, accessToken)).as("a project only the account sees")
                .isEqualTo(404);
        assertThat(status("/api/v4/projects/" + humanOnly, accessToken)).as("a project only the human sees")
                .isEqualTo(404);
        assertThat(status("/api/v4/projects/" + both, accessToken)).as("a project both see").isEqualTo(200);
    }
}
