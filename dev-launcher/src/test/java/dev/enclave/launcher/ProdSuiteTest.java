package dev.enclave.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prod-profile suite's extras for ProdProfileEndToEndIT: another replica of a service on a port
 * of its own, and one service restarted with another environment in its old place. Each service's
 * jar here is {@link ExitingService}, which answers the readiness probes and tells its environment.
 */
class ProdSuiteTest {

    private static final Duration START = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private Suite suite;
    private ServiceProcess extra;

    @AfterEach
    void cleanUp() {
        if (extra != null) {
            extra.stop();
        }
        if (suite != null) {
            suite.close();
        }
    }

    @Test
    void anotherReplicaRunsOnItsOwnPortWithItsOwnLog() throws Exception {
        Suite.Options options = options();
        int port = Suite.Ports.free().instance();

        extra = Suite.prodService(options, Suite.INSTANCE, "instance-service-2", port, Map.of("ENCLAVE_X", "two"));

        assertThat(extra.port()).isEqualTo(port).isNotEqualTo(options.ports().instance());
        assertThat(extra.log()).isEqualTo(dir.resolve("data/logs/instance-service-2.log"));
        assertThat(Suite.prodService(options, Suite.INSTANCE, "instance-service", Map.of()).port())
                .isEqualTo(options.ports().instance());
        extra.start(START);
        assertThat(get(extra, "/env?name=ENCLAVE_X")).isEqualTo("two");
        assertThatThrownBy(() -> Suite.prodService(options, "model-simulator", "sim-2", port, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Unknown service model-simulator");
    }

    @Test
    void aServiceRestartedWithAnotherEnvironmentTakesTheOldOnesPlace() throws Exception {
        Suite.Options options = options();
        suite = Suite.startProd(options, Map.of(Suite.INSTANCE, Map.of("ENCLAVE_X", "one")));
        ServiceProcess before = suite.service(Suite.INSTANCE);
        assertThat(get(before, "/env?name=ENCLAVE_X")).isEqualTo("one");

        ServiceProcess after = suite.restartProd(options, Suite.INSTANCE, Map.of("ENCLAVE_X", "two"));

        assertThat(before.isAlive()).isFalse();
        assertThat(after).isNotSameAs(before).isSameAs(suite.service(Suite.INSTANCE));
        assertThat(after.port()).isEqualTo(before.port());
        assertThat(after.log()).isEqualTo(before.log());
        assertThat(get(after, "/env?name=ENCLAVE_X")).isEqualTo("two");
        assertThat(suite.services()).hasSize(5).doesNotContain(before);

        suite.close();
        assertThat(after.isAlive()).as("stopped with the suite").isFalse();
    }

    private Suite.Options options() throws IOException {
        for (String jar : List.of("model-simulator/target/model-simulator-runner.jar",
                "token-service/target/quarkus-app/quarkus-run.jar", "model-adapter/target/quarkus-app/quarkus-run.jar",
                "ai-gateway/target/quarkus-app/quarkus-run.jar", "instance-service/target/quarkus-app/quarkus-run.jar")) {
            exitingServiceJar(dir.resolve(jar));
        }
        return new Suite.Options(dir, dir.resolve("data"), Suite.Ports.free(), "secret", "sim-key",
                List.of("-Xmx32m"), START, Map.of());
    }

    /** A runnable jar of {@link ExitingService}. */
    private static void exitingServiceJar(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, ExitingService.class.getName());
        String entry = ExitingService.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file, manifest);
             InputStream in = ExitingService.class.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
    }

    private static String get(ServiceProcess service, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(service.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
