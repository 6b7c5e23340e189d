package dev.enclave.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./run-local --without <service>}: the launcher leaves that service to the developer's
 * dev mode, waits for it on its port, and shares its secrets through
 * {@code data/local-secrets.properties}, which the services' {@code %dev} profiles read.
 */
class DevModeWithoutTest {

    @TempDir
    Path dir;

    @Test
    void aServiceLeftOutIsPlannedAsExternalOnItsDefaultPortWithoutNeedingItsJar() throws IOException {
        // Only the jars of the services the launcher starts must exist.
        for (String jar : List.of("model-simulator/target/model-simulator-runner.jar",
                "token-service/target/quarkus-app/quarkus-run.jar", "model-adapter/target/quarkus-app/quarkus-run.jar",
                "instance-service/target/quarkus-app/quarkus-run.jar")) {
            Files.createDirectories(dir.resolve(jar).getParent());
            Files.writeString(dir.resolve(jar), "");
        }
        Suite.Options options = options(Set.of(Suite.GATEWAY), Suite.Ports.defaults());

        List<ServiceProcess> plan = Suite.plan(options);

        assertThat(plan).extracting(ServiceProcess::name).containsExactly(Suite.SIMULATOR, Suite.TOKEN_SERVICE,
                Suite.ADAPTER, Suite.GATEWAY, Suite.INSTANCE);
        ServiceProcess gateway = plan.get(3);
        assertThat(gateway.isExternal()).isTrue();
        // The dev-mode default (quarkus.http.port=5052 in ai-gateway) is the launcher's port for it.
        assertThat(gateway.port()).isEqualTo(5052);
        assertThat(plan).filteredOn(p -> !p.name().equals(Suite.GATEWAY)).noneMatch(ServiceProcess::isExternal);
    }

    @Test
    void anUnknownServiceIsRefused() {
        assertThatThrownBy(() -> options(Set.of("model-simulator"), Suite.Ports.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model-simulator");
    }

    @Test
    void theSuiteWaitsForTheDevModeServiceAndLeavesItRunningWhenStopped() throws Exception {
        Suite.Ports ports = Suite.Ports.free();
        HttpServer devMode = HttpServer.create(new InetSocketAddress("127.0.0.1", ports.gateway()), 0);
        devMode.createContext("/q/health/ready", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        devMode.start();
        try {
            ServiceProcess gateway = ServiceProcess.external(Suite.GATEWAY, ports.gateway(), "/q/health/ready", dir);
            gateway.start(Duration.ofSeconds(10));
            gateway.stop();
            gateway.kill();
            // still answering: the launcher never stops what it did not start
            ServiceProcess again = ServiceProcess.external(Suite.GATEWAY, ports.gateway(), "/q/health/ready", dir);
            again.start(Duration.ofSeconds(10));
        } finally {
            devMode.stop(0);
        }
    }

    @Test
    void aDevModeServiceThatNeverComesUpFailsWithHowToStartIt() {
        int port = Suite.Ports.free().gateway();
        ServiceProcess gateway = ServiceProcess.external(Suite.GATEWAY, port, "/q/health/ready", dir);
        assertThatThrownBy(() -> gateway.start(Duration.ofMillis(300)))
                .hasMessageContaining("ai-gateway").hasMessageContaining("./mvnw -f ai-gateway/pom.xml quarkus:dev");
    }

    @Test
    void theSecretsFileHoldsTheDerivedSecretsTheDevProfilesRead() throws IOException {
        Path file = dir.resolve("data/local-secrets.properties");

        Properties created = LocalSuiteMain.loadOrCreateSecrets(file);

        Suite.Options options = new Suite.Options(dir, dir.resolve("data"), Suite.Ports.defaults(),
                created.getProperty("instance-client-secret"), created.getProperty("simulator-api-key"), List.of(),
                Duration.ofSeconds(1), Map.of());
        Properties onDisk = read(file);
        assertThat(onDisk).isEqualTo(created);
        assertThat(onDisk.getProperty("ai-gateway-client-secret")).isEqualTo(Suite.gatewayClientSecret(options));
        assertThat(onDisk.getProperty("model-adapter-verifier-secret")).isEqualTo(Suite.adapterVerifierSecret(options));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aFileOfAnEarlierLauncherGetsTheDerivedSecretsAddedAndKeepsItsOwn() throws IOException {
        Path file = dir.resolve("data/local-secrets.properties");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "instance-client-secret=earlier-secret\nsimulator-api-key=sim-earlier\n");

        Properties secrets = LocalSuiteMain.loadOrCreateSecrets(file);

        Properties onDisk = read(file);
        assertThat(onDisk.getProperty("instance-client-secret")).isEqualTo("earlier-secret");
        assertThat(onDisk.getProperty("simulator-api-key")).isEqualTo("sim-earlier");
        assertThat(onDisk.getProperty("ai-gateway-client-secret")).isEqualTo(Suite.derive("earlier-secret", "ai-gateway"));
        assertThat(onDisk.getProperty("model-adapter-verifier-secret"))
                .isEqualTo(Suite.derive("earlier-secret", "model-adapter"));
        assertThat(secrets).isEqualTo(onDisk);
    }

    private Suite.Options options(Set<String> without, Suite.Ports ports) {
        return new Suite.Options(dir, dir.resolve("data"), ports, "client-secret", "sim-key", List.of(),
                Duration.ofSeconds(1), Map.of(), without, Duration.ofSeconds(1));
    }

    private static Properties read(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        return properties;
    }
}
