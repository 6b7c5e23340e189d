package dev.enclave.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher notices a service that exits while the suite runs: a real process (a tiny Java
 * program, {@link ExitingService}) started the way the suite starts its services.
 */
class ServiceWatcherTest {

    /** Only a bound for a broken watcher, so that the test fails instead of hanging. */
    private static final long BOUND_SECONDS = 30;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private ServiceProcess service;
    private ServiceWatcher watcher;

    @AfterEach
    void cleanUp() {
        if (watcher != null) {
            watcher.close();
        }
        if (service != null) {
            service.stop();
        }
    }

    @Test
    void aServiceThatExitsIsReportedWithItsStatusAndTheEndOfItsLog() throws Exception {
        service = start("token-service");
        for (int i = 0; i < 30; i++) {
            get("/log");
        }
        CompletableFuture<ServiceWatcher.Exit> reported = new CompletableFuture<>();
        watcher = ServiceWatcher.start(List.of(service), reported::complete);

        get("/exit?status=3");

        ServiceWatcher.Exit exit = reported.get(BOUND_SECONDS, TimeUnit.SECONDS);
        assertThat(exit.service()).isEqualTo("token-service");
        assertThat(exit.status()).isEqualTo(3);
        assertThat(exit.log()).isEqualTo(service.log());
        assertThat(exit.lastLogLines()).hasSize(ServiceWatcher.LOG_LINES)
                .endsWith("log line 30", "fatal: giving up, exiting with status 3")
                .doesNotContain("log line 11");
        assertThat(exit.message())
                .startsWith("token-service exited unexpectedly with status 3. The last lines of " + service.log() + ":")
                .contains("  | log line 12")
                .endsWith("  | fatal: giving up, exiting with status 3");
    }

    @Test
    void aKilledServiceIsReportedAsKilledBySigkill() throws Exception {
        assumeTrue(!System.getProperty("os.name").toLowerCase().contains("win"), "signals are a Unix matter");
        service = start("model-adapter");
        CompletableFuture<ServiceWatcher.Exit> reported = new CompletableFuture<>();
        watcher = ServiceWatcher.start(List.of(service), reported::complete);

        service.kill();

        ServiceWatcher.Exit exit = reported.get(BOUND_SECONDS, TimeUnit.SECONDS);
        assertThat(exit.service()).isEqualTo("model-adapter");
        assertThat(exit.statusDescription()).isEqualTo("137 (killed by SIGKILL)");
        assertThat(exit.message()).startsWith("model-adapter exited unexpectedly with status 137 (killed by SIGKILL).");
    }

    @Test
    void servicesStoppedAfterCloseAreNotReported() throws Exception {
        service = start("ai-gateway");
        CompletableFuture<ServiceWatcher.Exit> reported = new CompletableFuture<>();
        watcher = ServiceWatcher.start(List.of(service), reported::complete);

        watcher.close();
        assertThat(watcher.awaitStopped(Duration.ofSeconds(BOUND_SECONDS))).isTrue();
        service.stop();

        assertThat(service.isAlive()).isFalse();
        assertThat(reported).isNotDone();
    }

    @Test
    void exitStatusesInWords() {
        assertThat(ServiceWatcher.describeStatus(1)).isEqualTo("1");
        assertThat(ServiceWatcher.describeStatus(137)).isEqualTo("137 (killed by SIGKILL)");
        assertThat(ServiceWatcher.describeStatus(143)).isEqualTo("143 (killed by SIGTERM)");
        assertThat(ServiceWatcher.describeStatus(134)).isEqualTo("134 (killed by SIGABRT)");
        assertThat(ServiceWatcher.describeStatus(157)).isEqualTo("157 (killed by signal 29)");
    }

    @Test
    void theLastLinesOfALog() throws IOException {
        Path log = dir.resolve("x.log");
        assertThat(ServiceWatcher.lastLines(log, 3)).isEmpty();
        Files.writeString(log, "a\nb\r\nc\n\n");
        assertThat(ServiceWatcher.lastLines(log, 3)).containsExactly("a", "b", "c");
        assertThat(ServiceWatcher.lastLines(log, 2)).containsExactly("b", "c");
        // Only the log's end is read: a huge log gives its last lines, not a partial first one.
        Files.writeString(log, "x".repeat(200_000) + "\nlast\n");
        assertThat(ServiceWatcher.lastLines(log, 5)).containsExactly("last");
    }

    private ServiceProcess start(String name) throws URISyntaxException {
        int port = Suite.Ports.free().instance();
        Path classes = Path.of(ExitingService.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-cp", classes.toString(), ExitingService.class.getName(), String.valueOf(port));
        ServiceProcess process = new ServiceProcess(name, port, "/ready", command, Map.of(),
                dir.resolve("logs").resolve(name + ".log"), dir);
        process.start(Duration.ofSeconds(BOUND_SECONDS));
        return process;
    }

    private void get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(service.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
    }
}
