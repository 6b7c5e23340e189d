package dev.enclave.instance;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Graceful shutdown: once Quarkus starts its shutdown delay (readiness DOWN), new requests are
 * still served for the delay, then refused with a 503 in GitLab's shape and Connection: close;
 * health endpoints keep answering. The event is fired here as Quarkus fires it on SIGTERM.
 */
@QuarkusTest
@TestProfile(ShutdownDrainTest.WithDelay.class)
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class ShutdownDrainTest {

    static final long GUARD_SECONDS = 30;

    /** A profile of its own: the application is left draining and is not reused by other tests. */
    public static class WithDelay implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.shutdown.delay-enabled", "true", "quarkus.shutdown.delay", "2s");
        }
    }

    @Inject
    Event<ShutdownDelayInitiatedEvent> shutdownDelay;

    @Test
    void afterTheShutdownDelayNewRequestsAreRefusedButHealthAnswers() throws Exception {
        given().get("/api/v4/version").then().statusCode(401);

        shutdownDelay.fire(new ShutdownDelayInitiatedEvent());
        // During the delay load balancers may still route here: served as before.
        given().get("/api/v4/version").then().statusCode(401);

        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        Response refused;
        while ((refused = given().get("/api/v4/version")).statusCode() != 503) {
            assertThat(refused.statusCode()).as("served until the delay is over").isEqualTo(401);
            assertThat(System.nanoTime()).as("refused once the delay is over").isLessThan(guard);
            Thread.sleep(50);
        }
        refused.then().header("Connection", "close").header("X-GitLab-Error-Origin", "monolith")
                .body("message", equalTo("503 Service Unavailable - instance-service is shutting down"));
        // Refused before authentication: a valid-looking token changes nothing, and costs nothing.
        given().header("PRIVATE-TOKEN", "glpat-whatever").get("/api/v4/user").then().statusCode(503);

        given().get("/q/health/live").then().statusCode(200);
        assertThat(given().get("/q/health/ready").asString()).doesNotContain("shutting down");
    }
}
