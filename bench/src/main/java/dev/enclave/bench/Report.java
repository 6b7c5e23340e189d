package dev.enclave.bench;

import dev.enclave.launcher.Suite;
import org.HdrHistogram.Histogram;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The benchmark's table (Markdown, so docs/performance.md can quote it as it is) and the targets check. */
final class Report {

    record Row(String target, String mode, int connections, LoadGenerator.Result result, Map<String, Long> rssMib,
               String loadAverage) {

        boolean stream() {
            return mode.equals("stream");
        }
    }

    private static final Map<String, String> HOPS = Map.of(
            "simulator", "simulator direct",
            "gateway", "ai-gateway + model-adapter",
            "instance", "full chain (instance-service)");

    private static final List<String> SERVICES = List.of(Suite.SIMULATOR, Suite.TOKEN_SERVICE, Suite.ADAPTER,
            Suite.GATEWAY, Suite.INSTANCE);

    /** The performance targets (docs/architecture.md), checked against the figures. */
    static final double GATEWAY_RPS_32 = 5000;
    static final double GATEWAY_ADDED_P50_1 = 0.8;
    static final double CHAIN_RPS_32 = 3000;
    static final double CHAIN_ADDED_P50_1 = 2.0;
    static final double STREAM_ADDED_FIRST_1 = 3.0;
    static final long RSS_MIB = 256;

    private Report() {
    }

    static String summary(LoadGenerator.Result r) {
        return String.format(Locale.ROOT, "%,.0f req/s, p50 %s ms, p99 %s ms, first chunk p50 %s ms, errors %d%s",
                r.throughput(), ms(r.lastChunk(), 50), ms(r.lastChunk(), 99), ms(r.firstChunk(), 50), r.errors(),
                errorKinds(r));
    }

    static String render(List<Row> rows, BenchOptions options, BenchMain.Environment env, Duration took) {
        StringBuilder out = new StringBuilder();
        out.append("## Benchmark: ").append(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                .format(ZonedDateTime.now(ZoneOffset.UTC))).append("\n\n");
        Path home = Path.of(System.getProperty("enclave.bench.home", ".")).toAbsolutePath().normalize();
        // Never an absolute path: the table is committed, and the repository refers to nothing outside it.
        out.append("Measured: ").append(options.root().equals(home) ? "this checkout" : "another checkout (`--root`)")
                .append(env.revision().isEmpty() ? "" : " at `" + env.revision() + "` (plus any uncommitted changes)")
                .append(". Machine: ").append(env.cpus()).append(" CPUs")
                .append(env.cpuModel().isEmpty() ? "" : " (" + env.cpuModel() + ")")
                .append(", ").append(env.memory()).append(" RAM, ").append(env.java()).append(".\n");
        out.append("Each run: ").append(BenchMain.format(options.warmup())).append(" warm-up, ")
                .append(BenchMain.format(options.duration())).append(" measured, closed loop over keep-alive ")
                .append("connections, load generator on the same machine; service JVMs with the quick start's ")
                .append("options `").append(String.join(" ", Suite.Options.DEFAULT_JVM_OPTIONS)).append("`. ")
                .append("Whole benchmark: ").append(took.toSeconds()).append(" s.\n\n");
        out.append("Latencies in ms, of successful requests. JSON: time to the whole answer. Stream: \"first\" = ")
                .append("time to the first body chunk, p50/p99 = time to the last one. \"+ vs sim\" = the hop's ")
                .append("p50 minus the simulator's at the same connections and mode; \"× sim\" = its req/s over the ")
                .append("simulator's. RSS = peak VmRSS in MiB of each process during the run ")
                .append("(sim / token-service / model-adapter / ai-gateway / instance-service). \"load\" = the ")
                .append("machine's 1-minute load average at the end of the run: above the CPU count, other work ")
                .append("competed with the benchmark and the figures are lower than the code can do.\n\n");
        out.append("| hop | mode | conns | req/s | p50 | p99 | first p50 | first p99 | errors | × sim | + p50 vs sim "
                + "| + first p50 vs sim | RSS sim/tok/adp/gw/inst | load |\n");
        out.append("|---|---|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|---|--:|\n");
        for (Row row : rows) {
            Optional<Row> sim = simulator(rows, row);
            LoadGenerator.Result r = row.result();
            out.append("| ").append(HOPS.get(row.target()))
                    .append(" | ").append(row.mode())
                    .append(" | ").append(row.connections())
                    .append(" | ").append(String.format(Locale.ROOT, "%,.0f", r.throughput()))
                    .append(" | ").append(ms(r.lastChunk(), 50))
                    .append(" | ").append(ms(r.lastChunk(), 99))
                    .append(" | ").append(row.stream() ? ms(r.firstChunk(), 50) : "–")
                    .append(" | ").append(row.stream() ? ms(r.firstChunk(), 99) : "–")
                    .append(" | ").append(r.errors()).append(errorKinds(r))
                    .append(" | ").append(sim.filter(s -> s != row).map(s -> ratio(r, s.result())).orElse("–"))
                    .append(" | ").append(sim.filter(s -> s != row)
                            .map(s -> added(r.lastChunk(), s.result().lastChunk())).orElse("–"))
                    .append(" | ").append(row.stream() ? sim.filter(s -> s != row)
                            .map(s -> added(r.firstChunk(), s.result().firstChunk())).orElse("–") : "–")
                    .append(" | ").append(SERVICES.stream().map(name -> {
                        long mib = row.rssMib().getOrDefault(name, -1L);
                        return mib < 0 ? "?" : String.valueOf(mib);
                    }).collect(Collectors.joining(" / ")))
                    .append(" | ").append(row.loadAverage())
                    .append(" |\n");
        }
        out.append("\n").append(targets(rows));
        out.append("\nReproduce: `./bench/run");
        if (!options.root().equals(home)) {
            out.append(" --root <that checkout>");
        }
        if (!options.warmup().equals(BenchOptions.DEFAULT_WARMUP)) {
            out.append(" --warmup ").append(BenchMain.format(options.warmup()));
        }
        if (!options.duration().equals(Duration.ofSeconds(8))) {
            out.append(" --duration ").append(BenchMain.format(options.duration()));
        }
        out.append("` (see bench/README.md).\n");
        return out.toString();
    }

    private static String targets(List<Row> rows) {
        List<String> lines = new ArrayList<>();
        find(rows, "gateway", "json", 32).ifPresent(r -> lines.add(check("ai-gateway + model-adapter, JSON, 32 connections",
                String.format(Locale.ROOT, "%,.0f req/s", r.result().throughput()), "≥ 5,000 req/s",
                r.result().throughput() >= GATEWAY_RPS_32 && r.result().errors() == 0)));
        addedCheck(rows, "gateway", "json", false, GATEWAY_ADDED_P50_1, "ai-gateway + model-adapter, JSON, 1 connection, added p50")
                .ifPresent(lines::add);
        find(rows, "instance", "json", 32).ifPresent(r -> lines.add(check("full chain, JSON, 32 connections",
                String.format(Locale.ROOT, "%,.0f req/s", r.result().throughput()), "≥ 3,000 req/s",
                r.result().throughput() >= CHAIN_RPS_32 && r.result().errors() == 0)));
        addedCheck(rows, "instance", "json", false, CHAIN_ADDED_P50_1, "full chain, JSON, 1 connection, added p50")
                .ifPresent(lines::add);
        addedCheck(rows, "instance", "stream", true, STREAM_ADDED_FIRST_1,
                "full chain, stream, 1 connection, added to the first chunk").ifPresent(lines::add);
        long errors = rows.stream().mapToLong(r -> r.result().errors()).sum();
        lines.add(check("errors in every run", String.valueOf(errors), "0", errors == 0));
        for (String service : List.of(Suite.TOKEN_SERVICE, Suite.ADAPTER, Suite.GATEWAY, Suite.INSTANCE)) {
            long peak = rows.stream().mapToLong(r -> r.rssMib().getOrDefault(service, -1L)).max().orElse(-1);
            if (peak >= 0) {
                lines.add(check(service + " peak RSS under load", peak + " MiB", "≤ " + RSS_MIB + " MiB",
                        peak <= RSS_MIB));
            }
        }
        return "| target | measured | goal | met |\n|---|--:|--:|---|\n" + String.join("\n", lines) + "\n";
    }

    private static Optional<String> addedCheck(List<Row> rows, String target, String mode, boolean first, double goal,
                                               String label) {
        Optional<Row> hop = find(rows, target, mode, 1);
        Optional<Row> sim = find(rows, "simulator", mode, 1);
        if (hop.isEmpty() || sim.isEmpty() || hop.get().result().successes() == 0
                || sim.get().result().successes() == 0) {
            return Optional.empty();
        }
        Histogram h = first ? hop.get().result().firstChunk() : hop.get().result().lastChunk();
        Histogram s = first ? sim.get().result().firstChunk() : sim.get().result().lastChunk();
        double added = (h.getValueAtPercentile(50) - s.getValueAtPercentile(50)) / 1e6;
        return Optional.of(check(label, String.format(Locale.ROOT, "%.2f ms", added),
                String.format(Locale.ROOT, "≤ %.1f ms", goal), added <= goal && hop.get().result().errors() == 0));
    }

    private static String check(String what, String measured, String goal, boolean met) {
        return "| " + what + " | " + measured + " | " + goal + " | " + (met ? "yes" : "**no**") + " |";
    }

    private static Optional<Row> find(List<Row> rows, String target, String mode, int connections) {
        return rows.stream().filter(r -> r.target().equals(target) && r.mode().equals(mode)
                && r.connections() == connections).findFirst();
    }

    private static Optional<Row> simulator(List<Row> rows, Row row) {
        return find(rows, "simulator", row.mode(), row.connections());
    }

    private static String ratio(LoadGenerator.Result hop, LoadGenerator.Result sim) {
        return sim.throughput() <= 0 ? "–" : String.format(Locale.ROOT, "%.2f", hop.throughput() / sim.throughput());
    }

    private static String added(Histogram hop, Histogram sim) {
        if (hop.getTotalCount() == 0 || sim.getTotalCount() == 0) {
            return "–";
        }
        return String.format(Locale.ROOT, "%+.2f", (hop.getValueAtPercentile(50) - sim.getValueAtPercentile(50)) / 1e6);
    }

    static String ms(Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            return "–";
        }
        double ms = h.getValueAtPercentile(percentile) / 1e6;
        return String.format(Locale.ROOT, ms < 10 ? "%.2f" : "%.1f", ms);
    }

    private static String errorKinds(LoadGenerator.Result r) {
        if (r.errorKinds().isEmpty()) {
            return "";
        }
        return " (" + r.errorKinds().entrySet().stream().map(e -> e.getKey() + "×" + e.getValue())
                .collect(Collectors.joining(", ")) + ")";
    }
}
