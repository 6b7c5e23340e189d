package dev.enclave.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Samples the resident set size ({@code VmRSS} in {@code /proc/<pid>/status}) of each service
 * process while a run is under load, and keeps the highest value seen per process.
 */
final class RssSampler implements AutoCloseable {

    private final Map<String, Long> pids;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "rss-sampler");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Long> peakKb = new LinkedHashMap<>();
    private ScheduledFuture<?> sampling;

    /** @param pids service name to process id, in the order the table shows them */
    RssSampler(Map<String, Long> pids) {
        this.pids = new LinkedHashMap<>(pids);
    }

    synchronized void start() {
        peakKb.clear();
        sampling = timer.scheduleAtFixedRate(this::sample, 0, 250, TimeUnit.MILLISECONDS);
    }

    /** Stops sampling; @return the peak RSS in MiB per service (-1 when it could not be read) */
    synchronized Map<String, Long> stop() {
        if (sampling != null) {
            sampling.cancel(false);
        }
        sample();
        Map<String, Long> mib = new LinkedHashMap<>();
        pids.keySet().forEach(name -> {
            Long kb = peakKb.get(name);
            mib.put(name, kb == null ? -1 : Math.round(kb / 1024.0));
        });
        return mib;
    }

    private synchronized void sample() {
        pids.forEach((name, pid) -> {
            long kb = rssKb(pid);
            if (kb >= 0) {
                peakKb.merge(name, kb, Math::max);
            }
        });
    }

    /** @return the process's VmRSS in KiB, or -1 when /proc does not have it (not Linux, process gone) */
    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone or not Linux: no figure
        }
        return -1;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
