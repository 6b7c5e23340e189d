package dev.enclave.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The command line of {@code ./bench/run}. */
record BenchOptions(Path root, Path workDir, Path out, Duration warmup, Duration duration, List<Integer> connections,
                    List<String> targets, List<String> modes, long maxRequests, Duration timeout, boolean keepData,
                    boolean hold, Map<String, Map<String, String>> serviceProperties, boolean help) {

    /** Long enough at one connection for the JIT to compile the request path of every hop. */
    static final Duration DEFAULT_WARMUP = Duration.ofSeconds(10);

    static final String USAGE = """
            Usage: bench/run [options]

              --root DIR          project root whose packaged jars are measured (default: this checkout)
              --duration D        measured time per run (default 8s); D like 500ms, 8s, 1m
              --warmup D          unmeasured warm-up before each run (default 10s: the JIT must have
                                  compiled the request path, or the figures measure the interpreter)
              --connections LIST  connection counts (default 1,32)
              --targets LIST      simulator,gateway,instance (default: all three)
              --modes LIST        json,stream (default: both)
              --max-requests N    at most N requests measured per run (default 2000000)
              --timeout D         per-request timeout (default 10s)
              --out FILE          where the table is written (default bench/results/latest.md)
              --work-dir DIR      where the suite's data and logs go (default bench/target)
              --keep-data         keep the suite's data and logs after the run
              --property S:K=V    system property K=V for service S (e.g. ai-gateway:quarkus.http.access-log.enabled=true);
                                  repeatable; applied after the benchmark's own settings
              --hold              set up, probe, write the requests (with their credentials) to
                                  <data>/requests.txt, then keep the suite running until Ctrl-C
                                  instead of measuring (for profiling or another load generator)
              -h, --help          this text
            """;

    private static final Set<String> TARGETS = Set.of("simulator", "gateway", "instance");
    private static final Set<String> MODES = Set.of("json", "stream");

    static BenchOptions parse(String[] args) {
        Path harness = Path.of(System.getProperty("enclave.bench.home", ".")).toAbsolutePath().normalize();
        Path root = harness;
        Path workDir = harness.resolve("bench/target");
        Path out = harness.resolve("bench/results/latest.md");
        Duration warmup = DEFAULT_WARMUP;
        Duration duration = Duration.ofSeconds(8);
        List<Integer> connections = List.of(1, 32);
        List<String> targets = List.of("simulator", "gateway", "instance");
        List<String> modes = List.of("json", "stream");
        long maxRequests = 2_000_000;
        Duration timeout = Duration.ofSeconds(10);
        boolean keep = false;
        boolean hold = false;
        Map<String, Map<String, String>> serviceProperties = new LinkedHashMap<>();
        boolean help = false;
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String arg = rest.remove(0);
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "-h", "--help" -> help = true;
                case "--keep-data" -> keep = true;
                case "--hold" -> hold = true;
                case "--property" -> {
                    String spec = value(arg, value, rest);
                    int colon = spec.indexOf(':');
                    int equals = spec.indexOf('=', colon + 1);
                    if (colon < 1 || equals < colon + 2) {
                        throw new IllegalArgumentException("--property: expected service:key=value, got " + spec);
                    }
                    serviceProperties.computeIfAbsent(spec.substring(0, colon), k -> new LinkedHashMap<>())
                            .put(spec.substring(colon + 1, equals), spec.substring(equals + 1));
                }
                case "--root" -> root = Path.of(value(arg, value, rest)).toAbsolutePath().normalize();
                case "--work-dir" -> workDir = Path.of(value(arg, value, rest)).toAbsolutePath().normalize();
                case "--out" -> out = Path.of(value(arg, value, rest)).toAbsolutePath().normalize();
                case "--warmup" -> warmup = duration(arg, value(arg, value, rest));
                case "--duration" -> duration = duration(arg, value(arg, value, rest));
                case "--timeout" -> timeout = duration(arg, value(arg, value, rest));
                case "--max-requests" -> maxRequests = positive(arg, value(arg, value, rest));
                case "--connections" -> connections = Arrays.stream(value(arg, value, rest).split(","))
                        .map(s -> (int) positive("--connections", s.trim())).toList();
                case "--targets" -> targets = list(arg, value(arg, value, rest), TARGETS);
                case "--modes" -> modes = list(arg, value(arg, value, rest), MODES);
                default -> throw new IllegalArgumentException("Unknown option " + arg);
            }
        }
        if (duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("--duration must be positive");
        }
        return new BenchOptions(root, workDir, out, warmup, duration, connections, targets, modes, maxRequests, timeout,
                keep, hold, serviceProperties, help);
    }

    private static String value(String option, String inline, List<String> rest) {
        if (inline != null) {
            return inline;
        }
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return rest.remove(0);
    }

    static Duration duration(String option, String text) {
        String t = text.trim().toLowerCase();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            }
            if (t.endsWith("m")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not a duration: " + text + " (use e.g. 500ms, 8s, 1m)");
        }
    }

    private static long positive(String option, String text) {
        try {
            long n = Long.parseLong(text);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not a positive number: " + text);
        }
    }

    private static List<String> list(String option, String text, Set<String> allowed) {
        List<String> items = Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        for (String item : items) {
            if (!allowed.contains(item)) {
                throw new IllegalArgumentException(option + ": unknown " + item + " (one of " + allowed + ")");
            }
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException(option + " is empty");
        }
        return items;
    }
}
