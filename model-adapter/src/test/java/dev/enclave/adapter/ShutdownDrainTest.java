package dev.enclave.adapter;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
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
 * still served for the delay, then refused with 503 {@code shutting_down} and Connection: close;
 * health endpoints keep answering. The event is fired here as Quarkus fires it on SIGTERM.
 */
@QuarkusTest
@TestProfile(ShutdownDrainTest.WithDelay.class)
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
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

    private static Response unauthenticatedCall() {
        return given().contentType(ContentType.JSON).body("{}").post("/v1/completions");
    }

    @Test
    void afterTheShutdownDelayNewRequestsAreRefusedButHealthAnswers() throws Exception {
        assertThat(unauthenticatedCall().statusCode()).isEqualTo(401);

        shutdownDelay.fire(new ShutdownDelayInitiatedEvent());
        // During the delay ai-gateway may still route here: served as before.
        assertThat(unauthenticatedCall().statusCode()).isEqualTo(401);

        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        Response refused;
        while ((refused = unauthenticatedCall()).statusCode() != 503) {
            assertThat(refused.statusCode()).as("served until the delay is over").isEqualTo(401);
            assertThat(System.nanoTime()).as("refused once the delay is over").isLessThan(guard);
            Thread.sleep(50);
        }
        // Refused ahead of the caller authentication, in the adapter's own error shape.
        refused.then().header("Connection", "close").contentType(ContentType.JSON)
                .body("error", equalTo("shutting_down"))
                .body("message", equalTo("model-adapter is shutting down"));

        given().get("/q/health/live").then().statusCode(200);
        assertThat(given().get("/q/health/ready").asString()).doesNotContain("shutting_down");
    }
}
