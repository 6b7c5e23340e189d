package dev.enclave.bench;

import dev.enclave.launcher.ServiceProcess;
import dev.enclave.launcher.Suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./bench/run}: starts the packaged suite on free loopback ports with benchmark settings,
 * creates a benchmark user through the admin API, then measures, in one run and side by side, the
 * model simulator direct, ai-gateway (+ model-adapter) direct and the full chain through
 * instance-service, at each connection count, for JSON answers and for streamed ones; prints
 * the table and writes it to a file.
 */
public final class BenchMain {

    /**
     * Rate limits raised so the full chain measures the chain, not GitLab's 60 requests a minute
     * (a one-second window keeps a sliding log short). Builds from before these keys existed would
     * refuse them as unknown keys of their {@code enclave.instance} mapping, hence SmallRye's switch
     * that lets them pass; such builds keep their hard-coded limit and the table shows the 429s.
     */
    static final Map<String, String> BENCHMARK_INSTANCE_PROPERTIES = Map.of(
            "enclave.instance.rate-limits.code-suggestions.requests", "100000000",
            "enclave.instance.rate-limits.code-suggestions.per", "1",
            "smallrye.config.mapping.validate-unknown", "false");

    private BenchMain() {
    }

    public static void main(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println();
            System.err.println(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(BenchOptions.USAGE);
            return;
        }
        try {
            run(options);
        } catch (IOException | RuntimeException e) {
            System.err.println("Benchmark failed: " + e.getMessage());
            System.exit(1);
        }
    }

    static void run(BenchOptions options) throws IOException {
        Files.createDirectories(options.workDir());
        Path data = Files.createTempDirectory(options.workDir(), "suite-");
        Map<String, Map<String, String>> properties = new LinkedHashMap<>();
        properties.put(Suite.INSTANCE, new LinkedHashMap<>(BENCHMARK_INSTANCE_PROPERTIES));
        options.serviceProperties().forEach((service, extra) ->
                properties.computeIfAbsent(service, k -> new LinkedHashMap<>()).putAll(extra));
        Suite.Options suiteOptions = new Suite.Options(options.root(), data, Suite.Ports.free(), randomSecret(),
                "sim-" + randomSecret(), Suite.Options.DEFAULT_JVM_OPTIONS, Duration.ofSeconds(90), properties);
        Environment environment = Environment.describe(options.root());
        System.out.println("Starting the suite from " + options.root() + " (data and logs in " + data + ") ...");
        Instant began = Instant.now();
        try (Suite suite = Suite.start(suiteOptions)) {
            // Ctrl-C must not leave five JVMs behind.
            Thread stopper = new Thread(() -> {
                suite.close();
                if (options.hold() && !options.keepData()) {
                    deleteTree(data); // requests.txt holds credentials
                }
            }, "bench-shutdown");
            Runtime.getRuntime().addShutdownHook(stopper);
            for (ServiceProcess service : suite.services()) {
                System.out.printf("  %-17s %s pid %d (ready in %d ms)%n", service.name(), service.url(), service.pid(),
                        service.lastStartTime().toMillis());
            }
            Fixtures fixtures = new Fixtures(suite, suiteOptions);
            System.out.println("Benchmark user created (Duo seat, personal access token); instance token minted.");

            Map<String, Map<Boolean, LoadGenerator.Target>> targets = new LinkedHashMap<>();
            for (String target : options.targets()) {
                Map<Boolean, LoadGenerator.Target> byMode = new LinkedHashMap<>();
                for (boolean stream : new boolean[]{false, true}) {
                    byMode.put(stream, switch (target) {
                        case "simulator" -> fixtures.simulator(stream);
                        case "gateway" -> fixtures.gateway(stream);
                        case "instance" -> fixtures.instance(stream);
                        default -> throw new IllegalArgumentException("Unknown target " + target);
                    });
                }
                targets.put(target, byMode);
            }
            probe(fixtures, targets, options);
            if (options.hold()) {
                hold(data, targets);
                return;
            }

            Map<String, Long> pids = new LinkedHashMap<>();
            for (String name : List.of(Suite.SIMULATOR, Suite.TOKEN_SERVICE, Suite.ADAPTER, Suite.GATEWAY,
                    Suite.INSTANCE)) {
                pids.put(name, suite.service(name).pid());
            }
            List<Report.Row> rows = new ArrayList<>();
            try (LoadGenerator generator = new LoadGenerator(options.timeout());
                 RssSampler rss = new RssSampler(pids)) {
                for (String mode : options.modes()) {
                    boolean stream = mode.equals("stream");
                    for (int connections : options.connections()) {
                        for (String target : options.targets()) {
                            System.out.printf("  %-9s %-6s %2d connection(s): %s warm-up, %s measured ...%n", target,
                                    mode, connections, format(options.warmup()), format(options.duration()));
                            rss.start();
                            LoadGenerator.Result result = generator.run(targets.get(target).get(stream), connections,
                                    options.warmup(), options.duration(), options.maxRequests());
                            Map<String, Long> peak = rss.stop();
                            rows.add(new Report.Row(target, mode, connections, result, peak, loadAverage()));
                            System.out.println("      " + Report.summary(result));
                        }
                    }
                }
            }
            String table = Report.render(rows, options, environment,
                    Duration.between(began, Instant.now()));
            System.out.println();
            System.out.println(table);
            Files.createDirectories(options.out().toAbsolutePath().getParent());
            Files.writeString(options.out(), table);
            System.out.println("Written to " + options.out());
        }
        if (!options.keepData()) {
            deleteTree(data);
        }
    }

    private static void probe(Fixtures fixtures, Map<String, Map<Boolean, LoadGenerator.Target>> targets,
                              BenchOptions options) {
        for (var entry : targets.entrySet()) {
            for (var mode : entry.getValue().entrySet()) {
                Fixtures.Answer answer = fixtures.probe(mode.getValue());
                String body = answer.body().replace("\n", "\\n");
                System.out.printf("  probe %-9s %-6s -> %d %s %s%n", entry.getKey(), mode.getKey() ? "stream" : "json",
                        answer.status(), answer.contentType(), body.length() > 100 ? body.substring(0, 100) + "…" : body);
            }
        }
    }

    /** Writes the requests where only this user can read them (they carry credentials) and waits for Ctrl-C. */
    private static void hold(Path data, Map<String, Map<Boolean, LoadGenerator.Target>> targets) throws IOException {
        StringBuilder requests = new StringBuilder();
        targets.forEach((name, byMode) -> byMode.forEach((stream, target) -> {
            requests.append("# ").append(name).append(stream ? " stream" : " json").append('\n')
                    .append("POST ").append(target.uri()).append('\n');
            target.headers().forEach((k, v) -> requests.append(k).append(": ").append(v).append('\n'));
            requests.append("Content-Type: application/json\n\n").append(target.body()).append("\n\n");
        }));
        Path file = data.resolve("requests.txt");
        Files.writeString(file, "");
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not POSIX
        }
        Files.writeString(file, requests);
        System.out.println("Holding the suite; the requests are in " + file + ". Ctrl-C stops it.");
        try {
            new java.util.concurrent.CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The 1-minute load average (Linux), so a table taken on a busy machine says so. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    static String format(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }

    private static String randomSecret() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: the folder is under target/
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    /** The machine and build the figures come from, printed with the table. */
    record Environment(String cpus, String memory, String java, String cpuModel, String revision) {

        static Environment describe(Path root) {
            String model = "";
            try {
                model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                        .filter(l -> l.startsWith("model name")).findFirst()
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("");
            } catch (IOException e) {
                // not Linux
            }
            String memory = "";
            try {
                memory = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                        .filter(l -> l.startsWith("MemTotal")).findFirst()
                        .map(l -> String.format(Locale.ROOT, "%.1f GiB",
                                Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0)).orElse("");
            } catch (IOException | NumberFormatException e) {
                // not Linux
            }
            String revision = "";
            try {
                Process git = new ProcessBuilder("git", "-C", root.toString(), "rev-parse", "--short", "HEAD")
                        .redirectErrorStream(true).start();
                revision = new String(git.getInputStream().readAllBytes()).trim();
                if (git.waitFor() != 0) {
                    revision = "";
                }
            } catch (IOException e) {
                // no git
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Environment(String.valueOf(Runtime.getRuntime().availableProcessors()), memory,
                    System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"), model,
                    revision);
        }
    }
}
