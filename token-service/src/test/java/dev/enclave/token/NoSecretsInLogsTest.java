package dev.enclave.token;

import dev.enclave.support.testing.LogCapture;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

import static dev.enclave.token.OAuthTestClient.app;
import static dev.enclave.token.OAuthTestClient.code;
import static dev.enclave.token.OAuthTestClient.exchange;
import static dev.enclave.token.OAuthTestClient.introspect;
import static dev.enclave.token.OAuthTestClient.newOwnerId;
import static dev.enclave.token.OAuthTestClient.refresh;
import static dev.enclave.token.OAuthTestClient.revoke;
import static dev.enclave.token.OAuthTestClient.tokens;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, finding 15: with this service's categories at DEBUG (the test profile), a whole OAuth
 * and AI-token run logs no token, claim set, code or secret, not even in exception messages.
 */
@QuarkusTest
class NoSecretsInLogsTest {

    private LogCapture capture;

    @BeforeEach
    void captureEverything() {
        capture = LogCapture.everything();
    }

    @AfterEach
    void stopCapturing() {
        capture.close();
    }

    @Test
    void aFullRunLogsNoTokenClaimsOrSecret() {
        assertThat(Logger.getLogger("dev.enclave.token").isLoggable(Level.FINE)).as("debug logging is on").isTrue();
        OAuthTestClient.App app = app("api user:*");
        String code = code(app, newOwnerId(), "api user:42");
        OAuthTestClient.Tokens first = tokens(exchange(app, code));
        OAuthTestClient.Tokens second = tokens(refresh(app, first.refreshToken(), null));
        OAuthTestClient.Tokens direct = OAuthTestClient.composite(app, newOwnerId(), "api user:43");
        OAuthTestClient.compositeTokenEvents(0).then().statusCode(200);
        introspect(second.accessToken()).then().statusCode(200);
        exchange(app, code).then().statusCode(400); // a replay: warned about, by grant id
        given().auth().preemptive().basic(app.clientId(), "gloas-wrong-secret").formParam("grant_type",
                "client_credentials").formParam("audience", "partner-api").post("/oauth/token").then().statusCode(401);
        revoke(app, second.refreshToken()).then().statusCode(200);
        String aiToken = given().auth().preemptive().basic(OAuthTestClient.INSTANCE_ID, OAuthTestClient.INSTANCE_SECRET)
                .contentType(ContentType.JSON)
                .body(Map.of("instance_id", UUID.randomUUID().toString(), "scopes", List.of("complete_code")))
                .post("/internal/v1/ai-tokens").then().statusCode(200).extract().path("token");
        given().auth().preemptive().basic(OAuthTestClient.INSTANCE_ID, "wrong-instance-secret")
                .get("/internal/v1/keys").then().statusCode(401);

        List<String> secrets = new ArrayList<>(List.of(app.secret(), "gloas-wrong-secret", code,
                first.refreshToken(), second.refreshToken(), direct.refreshToken(), OAuthTestClient.INSTANCE_SECRET,
                "wrong-instance-secret", OAuthTestClient.VERIFIER_SECRET));
        for (String jwt : List.of(first.accessToken(), second.accessToken(), direct.accessToken(), aiToken)) {
            String[] parts = jwt.split("\\.");
            secrets.add(parts[1]); // the claims
            secrets.add(parts[2]);
        }
        // positive control: the run's own lines were captured (the grant, the composite mint, the replay)
        assertThat(capture.lines()).anyMatch(line -> line.contains("Granted api user:42 to client " + app.clientId()))
                .anyMatch(line -> line.contains("Minted a composite token without a grant for client " + app.clientId()))
                .anyMatch(line -> line.contains("presented again: revoked token family"));
        for (String line : capture.lines()) {
            for (String secret : secrets) {
                assertThat(line).doesNotContain(secret);
            }
            assertThat(line).doesNotContain("\"gitlab_instance_id\"").doesNotContain("\"scope\":");
        }
    }
}
