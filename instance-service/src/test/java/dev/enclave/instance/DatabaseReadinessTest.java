package dev.enclave.instance;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not ready without the database. The in-memory H2 database is made unavailable by switching it
 * to exclusive mode from another connection ({@code SET EXCLUSIVE 2}: the pool's connections are
 * closed and new ones refused), then given back. Its own profile, so that the application whose
 * pool met the closed connections is not the one the other tests use.
 */
@QuarkusTest
@TestProfile(DatabaseReadinessTest.OwnApplication.class)
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class DatabaseReadinessTest {

    public static class OwnApplication implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.datasource.jdbc.acquisition-timeout", "2S");
        }
    }

    static final long GUARD_SECONDS = 30;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    String username;

    @Test
    void readinessIsDownWithoutTheDatabaseAndUpAgainWithIt() throws Exception {
        given().get("/q/health/ready").then().statusCode(200);
        // H2 only: PostgreSQL runs (-Ppostgres) cannot take the database away from the pool this way.
        org.junit.jupiter.api.Assumptions.assumeTrue(url.startsWith("jdbc:h2:mem:"));
        try (Connection exclusive = DriverManager.getConnection(url, username, "")) {
            try (Statement statement = exclusive.createStatement()) {
                statement.execute("SET EXCLUSIVE 2");
            }
            try {
                given().get("/q/health/ready").then().statusCode(503)
                        .body("status", org.hamcrest.Matchers.equalTo("DOWN"))
                        .body("checks.find { it.name == 'Database connections health check' }.status",
                                org.hamcrest.Matchers.equalTo("DOWN"));
                // Liveness does not depend on the database.
                given().get("/q/health/live").then().statusCode(200);
            } finally {
                try (Statement statement = exclusive.createStatement()) {
                    statement.execute("SET EXCLUSIVE 0");
                }
            }
        }
        long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (given().get("/q/health/ready").statusCode() != 200) {
            assertThat(System.nanoTime()).as("ready again").isLessThan(guard);
            Thread.sleep(100);
        }
    }
}
