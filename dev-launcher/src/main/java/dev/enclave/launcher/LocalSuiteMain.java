package dev.enclave.launcher;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The quick start: runs the whole suite on the documented loopback ports with its data under
 * {@code ./data}, until Ctrl-C. A second start reuses the data (and the secrets generated on the
 * first one).
 *
 * <p>While the suite runs, a {@link ServiceWatcher} watches its processes. When one exits
 * without being asked to (a crash, the OOM killer, {@code kill -9}), the launcher prints which
 * service, its exit status and the last lines of its log, then <b>stops the whole suite</b> and
 * exits with status 1. It does not restart the service: the same cause would usually kill it
 * again, and the other services would meanwhile answer errors about the missing one. Ctrl-C is an
 * ordinary stop and reports nothing.
 */
public final class LocalSuiteMain {

    private LocalSuiteMain() {
    }

    static final String USAGE = """
            Usage: java -jar dev-launcher/target/dev-launcher.jar [--help]
            (normally through ./run-local, which builds first; ./run-local --help)

            Starts the model simulator (8000), token-service (8081), model-adapter (8082),
            ai-gateway (5052) and instance-service (8080) on loopback, with databases, keys and logs
            under ./data (-Denclave.root=<dir> for another checkout), until Ctrl-C. If a service
            exits on its own, prints which one, its exit status and the end of its log, and stops
            the suite (exit status 1).""";

    public static void main(String[] args) throws InterruptedException {
        for (String arg : args) {
            if (arg.equals("-h") || arg.equals("--help")) {
                System.out.println(USAGE);
                return;
            }
            System.err.println("Unknown option '" + arg + "'.");
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        Path root = Path.of(System.getProperty("enclave.root", ".")).toAbsolutePath().normalize();
        Path data = root.resolve("data");
        Properties secrets = loadOrCreateSecrets(data.resolve("local-secrets.properties"));

        Suite.Options options = new Suite.Options(root, data, Suite.Ports.defaults(),
                secrets.getProperty("instance-client-secret"), secrets.getProperty("simulator-api-key"),
                Suite.Options.DEFAULT_JVM_OPTIONS, Duration.ofSeconds(60), Map.of());

        System.out.println("Starting Enclave (logs in " + data.resolve("logs") + ") ...");
        Suite suite;
        try {
            suite = Suite.start(options);
        } catch (RuntimeException e) {
            System.err.println("Enclave did not start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean serviceDied = new AtomicBoolean();
        AtomicReference<ServiceWatcher> watcher = new AtomicReference<>();
        // The hook first: a service that dies at once must find it in place to stop the others.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // From here on services exit because we stop them (or Ctrl-C reached them too).
            ServiceWatcher running = watcher.get();
            if (running != null) {
                running.close();
            }
            System.out.println(serviceDied.get() ? "Stopping Enclave ..." : "\nStopping Enclave ...");
            suite.close();
            stopped.countDown();
        }, "enclave-shutdown"));
        watcher.set(ServiceWatcher.start(suite.services(), exit -> {
            serviceDied.set(true);
            System.err.println();
            System.err.println(exit.message());
            System.err.println();
            System.err.println("Enclave cannot work without " + exit.service() + ": stopping the other services. "
                    + "Once the cause is fixed, start ./run-local again.");
            System.exit(1); // the shutdown hook above stops the others
        }));

        for (ServiceProcess service : suite.services()) {
            System.out.printf("  %-17s %s  (ready in %d ms)%n", service.name(), service.url(),
                    service.lastStartTime().toMillis());
        }
        Path tokenFile = data.resolve("admin-token.txt");
        System.out.println();
        System.out.println("The admin's personal access token is in " + tokenFile + ". Try:");
        System.out.println();
        System.out.println("  curl -s -H \"PRIVATE-TOKEN: $(cat data/admin-token.txt)\" -H 'Content-Type: application/json' \\");
        System.out.println("    -d '{\"current_file\":{\"file_name\":\"main.py\",\"content_above_cursor\":\"def add(a, b):\\n    \"}}' \\");
        System.out.println("    http://localhost:" + options.ports().instance() + "/api/v4/code_suggestions/completions");
        System.out.println();
        System.out.println("Press Ctrl-C to stop.");
        stopped.await();
    }

    private static Properties loadOrCreateSecrets(Path file) {
        Properties secrets = new Properties();
        try {
            if (Files.exists(file)) {
                try (Reader reader = Files.newBufferedReader(file)) {
                    secrets.load(reader);
                }
                return secrets;
            }
            Files.createDirectories(file.getParent());
            secrets.setProperty("instance-client-secret", randomSecret());
            secrets.setProperty("simulator-api-key", "sim-" + randomSecret());
            Path temp = Files.createTempFile(file.getParent(), "local-secrets", ".tmp");
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep the default permissions
            }
            try (Writer writer = Files.newBufferedWriter(temp)) {
                secrets.store(writer, "Generated by the Enclave quick start for local runs only");
            }
            Files.move(temp, file);
            return secrets;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or create " + file, e);
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
