package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static dev.enclave.token.OAuthTestClient.app;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Issue 12, finding 8: failed client authentication is throttled per client id and per caller
 * address, and nothing stays locked. Callers are told apart by X-Forwarded-For, which this profile
 * trusts (as a deployment behind a proxy must configure).
 */
@QuarkusTest
@TestProfile(ClientAuthThrottleTest.FiveFailuresPerMinute.class)
class ClientAuthThrottleTest {

    public static class FiveFailuresPerMinute implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.token.oauth.auth-throttle.max-failures", "5",
                    "enclave.token.oauth.auth-throttle.window", "PT1M",
                    "quarkus.http.proxy.proxy-address-forwarding", "true",
                    "quarkus.http.proxy.allow-x-forwarded", "true");
        }
    }

    @Inject
    TestClock clock;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    static Response clientCredentialsFrom(String address, String clientId, String secret) {
        return given().header("X-Forwarded-For", address).auth().preemptive().basic(clientId, secret)
                .formParam("grant_type", "client_credentials").formParam("audience", "partner-api")
                .post("/oauth/token");
    }

    @Test
    void failuresForOneClientIdAre429WithRetryAfterAndACorrectSecretWorksOnceTheWindowHasPassed() {
        OAuthTestClient.App app = app("api");
        for (int i = 1; i <= 5; i++) {
            clientCredentialsFrom("198.51.100." + i, app.clientId(), "gloas-guess-" + i).then().statusCode(401)
                    .body("error", equalTo("invalid_client"));
        }

        // Not even checked: the right secret from a new address waits too ...
        Response throttled = clientCredentialsFrom("198.51.100.6", app.clientId(), app.secret());
        throttled.then().statusCode(429).header("Cache-Control", equalTo("no-store"))
                .body("error", equalTo("slow_down"));
        assertThat(Integer.parseInt(throttled.header("Retry-After"))).isBetween(1, 60);
        clientCredentialsFrom("198.51.100.6", app.clientId(), "gloas-guess-6").then().statusCode(429);

        // ... until the failures have left the window.
        clock.advance(Duration.ofSeconds(61));
        clientCredentialsFrom("198.51.100.6", app.clientId(), app.secret()).then().statusCode(200);
    }

    @Test
    void failuresFromOneAddressAre429ForEveryClientFromThere() {
        OAuthTestClient.App app = app("api");
        for (int i = 1; i <= 5; i++) {
            clientCredentialsFrom("203.0.113.9", "no-such-client-" + i, "x").then().statusCode(401);
        }

        clientCredentialsFrom("203.0.113.9", app.clientId(), app.secret()).then().statusCode(429)
                .body("error", equalTo("slow_down"));
        clientCredentialsFrom("203.0.113.10", app.clientId(), app.secret()).then().statusCode(200);
    }

    @Test
    void failuresElsewhereDoNotLockOutACallerThatAuthenticatedBefore() {
        OAuthTestClient.App app = app("api");
        clientCredentialsFrom("192.0.2.10", app.clientId(), app.secret()).then().statusCode(200);
        for (int i = 1; i <= 5; i++) {
            clientCredentialsFrom("192.0.2.66", app.clientId(), "gloas-guess").then().statusCode(401);
        }

        clientCredentialsFrom("192.0.2.10", app.clientId(), app.secret()).then().statusCode(200);
        clientCredentialsFrom("192.0.2.11", app.clientId(), app.secret()).then().statusCode(429);
        clientCredentialsFrom("192.0.2.66", app.clientId(), app.secret()).then().statusCode(429);
    }

    @Test
    void revocationIntrospectionAndTheInternalApiAreThrottledToo() {
        OAuthTestClient.App app = app("api");
        for (int i = 1; i <= 3; i++) {
            given().header("X-Forwarded-For", "198.18.0.1").auth().preemptive().basic(app.clientId(), "wrong")
                    .formParam("token", "x").post("/oauth/introspect").then().statusCode(401);
        }
        for (int i = 1; i <= 2; i++) {
            given().header("X-Forwarded-For", "198.18.0.1").auth().preemptive().basic(app.clientId(), "wrong")
                    .formParam("token", "x").post("/oauth/revoke").then().statusCode(401);
        }
        given().header("X-Forwarded-For", "198.18.0.1").auth().preemptive().basic(app.clientId(), app.secret())
                .formParam("token", "x").post("/oauth/revoke").then().statusCode(429);

        for (int i = 1; i <= 5; i++) {
            given().header("X-Forwarded-For", "198.18.0.2").auth().preemptive()
                    .basic(OAuthTestClient.INSTANCE_ID, "guess-" + i).get("/internal/v1/keys").then().statusCode(401);
        }
        given().header("X-Forwarded-For", "198.18.0.2").auth().preemptive()
                .basic(OAuthTestClient.INSTANCE_ID, OAuthTestClient.INSTANCE_SECRET).get("/internal/v1/keys")
                .then().statusCode(429).header("Retry-After", org.hamcrest.Matchers.notNullValue());
    }
}
