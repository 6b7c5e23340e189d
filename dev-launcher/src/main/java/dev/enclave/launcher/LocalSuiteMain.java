package dev.enclave.launcher;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
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
            Usage: java -jar dev-launcher/target/dev-launcher.jar [--help] [--without <service>]...
            (normally through ./run-local, which builds first; ./run-local --help)

            Starts the model simulator (8000), token-service (8081), model-adapter (8082),
            ai-gateway (5052) and instance-service (8080) on loopback, with databases, keys and logs
            under ./data (-Denclave.root=<dir> for another checkout), until Ctrl-C. If a service
            exits on its own, prints which one, its exit status and the end of its log, and stops
            the suite (exit status 1).

            --without <service>  do not start that service (token-service, model-adapter, ai-gateway or
                                 instance-service): you run it in dev mode, `./mvnw -f <service>/pom.xml
                                 quarkus:dev`, on the same port. The launcher waits for it (up to 15
                                 minutes) in its turn, then starts the services after it. Repeatable.""";

    /** How long the launcher waits for a service run in dev mode (its first build included). */
    static final Duration EXTERNAL_TIMEOUT = Duration.ofMinutes(15);

    public static void main(String[] args) throws InterruptedException {
        Set<String> without = new LinkedHashSet<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                System.out.println(USAGE);
                return;
            }
            if (arg.equals("--without") && i + 1 < args.length && Suite.SERVICES.contains(args[i + 1])) {
                without.add(args[++i]);
                continue;
            }
            if (arg.equals("--without")) {
                System.err.println("--without needs one of " + String.join(", ", Suite.SERVICES) + ".");
            } else {
                System.err.println("Unknown option '" + arg + "'.");
            }
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        Path root = Path.of(System.getProperty("enclave.root", ".")).toAbsolutePath().normalize();
        Path data = root.resolve("data");
        Properties secrets = loadOrCreateSecrets(data.resolve("local-secrets.properties"));

        // The documented default ports: each is also that service's own quarkus.http.port, so a
        // service run in dev mode (--without) listens where the others expect it, and finds them.
        Suite.Options options = new Suite.Options(root, data, Suite.Ports.defaults(),
                secrets.getProperty("instance-client-secret"), secrets.getProperty("simulator-api-key"),
                Suite.Options.DEFAULT_JVM_OPTIONS, Duration.ofSeconds(60), Map.of(), without, EXTERNAL_TIMEOUT);

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
            if (service.isExternal()) {
                System.out.printf("  %-17s %s  (dev mode, run by you; ready after %d ms of waiting)%n", service.name(),
                        service.url(), service.lastStartTime().toMillis());
            } else {
                System.out.printf("  %-17s %s  (ready in %d ms)%n", service.name(), service.url(),
                        service.lastStartTime().toMillis());
            }
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

    /**
     * The local run's secrets: generated on the first start, read afterwards. Besides the instance's
     * client secret and the simulator's key, the file holds the two secrets derived from the former
     * (the gateway's client secret, model-adapter's verifier secret), which the services' {@code %dev}
     * profiles read from it, so that a service in dev mode uses the same ones as the launcher's
     * (an older file gets them added).
     */
    static Properties loadOrCreateSecrets(Path file) {
        Properties secrets = new Properties();
        try {
            if (Files.exists(file)) {
                try (Reader reader = Files.newBufferedReader(file)) {
                    secrets.load(reader);
                }
                if (!addDerivedSecrets(secrets)) {
                    return secrets;
                }
            } else {
                Files.createDirectories(file.getParent());
                secrets.setProperty("instance-client-secret", randomSecret());
                secrets.setProperty("simulator-api-key", "sim-" + randomSecret());
                addDerivedSecrets(secrets);
            }
            Path temp = Files.createTempFile(file.getParent(), "local-secrets", ".tmp");
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep the default permissions
            }
            try (Writer writer = Files.newBufferedWriter(temp)) {
                secrets.store(writer, "Generated by the Enclave quick start for local runs only");
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return secrets;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or create " + file, e);
        }
    }

    /** Adds the derived secrets where missing; true when it added any. */
    private static boolean addDerivedSecrets(Properties secrets) {
        String clientSecret = secrets.getProperty("instance-client-secret");
        Map<String, String> derived = new LinkedHashMap<>();
        derived.put("ai-gateway-client-secret", Suite.derive(clientSecret, Suite.GATEWAY));
        derived.put("model-adapter-verifier-secret", Suite.derive(clientSecret, Suite.ADAPTER));
        boolean added = false;
        for (Map.Entry<String, String> entry : derived.entrySet()) {
            if (!entry.getValue().equals(secrets.getProperty(entry.getKey()))) {
                secrets.setProperty(entry.getKey(), entry.getValue());
                added = true;
            }
        }
        return added;
    }

    private static String randomSecret() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
