package dev.enclave.launcher;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Consumer;

/**
 * Watches the services of a running suite and reports the first one that exits while nobody
 * asked it to.
 *
 * <p>The quick start ({@link LocalSuiteMain}) reacts by <b>stopping the whole suite</b> with a
 * message naming the service, its exit status and the last lines of its log, and exits with
 * status 1. It does not restart the service: a service that died once (a crash, the OOM killer,
 * a {@code kill -9}) usually dies again for the same reason, and a restart loop would hide that
 * reason while the other services answer errors about the missing one. Stopping at once puts the
 * cause on the screen.
 *
 * <p>Exits after {@link #close()} (the suite being stopped on purpose) are not reported. The
 * end-to-end tests, which stop and kill services deliberately, do not use a watcher.
 */
public final class ServiceWatcher implements AutoCloseable {

    /** How many of the log's last lines a report carries. */
    public static final int LOG_LINES = 20;
    /** How much of the log's end is read to find them: a bound on memory for huge lines. */
    private static final int LOG_TAIL_BYTES = 64 * 1024;
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
    private static final Map<Integer, String> SIGNALS = Map.of(1, "SIGHUP", 2, "SIGINT", 3, "SIGQUIT", 6, "SIGABRT",
            9, "SIGKILL", 11, "SIGSEGV", 15, "SIGTERM");

    /** A service that exited unexpectedly: which, how, and the end of its log. */
    public record Exit(String service, int status, Path log, List<String> lastLogLines) {

        /** The exit status in words, e.g. {@code 137 (killed by SIGKILL)}. */
        public String statusDescription() {
            return describeStatus(status);
        }

        /** The message the quick start prints. */
        public String message() {
            StringBuilder out = new StringBuilder();
            out.append(service).append(" exited unexpectedly with status ").append(statusDescription()).append('.');
            if (lastLogLines.isEmpty()) {
                out.append(System.lineSeparator()).append("Its log ").append(log).append(" is empty.");
            } else {
                out.append(" The last lines of ").append(log).append(':').append(System.lineSeparator());
                lastLogLines.forEach(line -> out.append("  | ").append(line).append(System.lineSeparator()));
            }
            return out.toString().stripTrailing();
        }
    }

    private final List<ServiceProcess> services;
    private final Consumer<Exit> onExit;
    private final Thread thread;
    private volatile boolean closed;

    private ServiceWatcher(List<ServiceProcess> services, Consumer<Exit> onExit) {
        this.services = List.copyOf(services);
        this.onExit = onExit;
        this.thread = new Thread(this::watch, "enclave-service-watcher");
        this.thread.setDaemon(true);
    }

    /**
     * Starts watching {@code services} (all running). {@code onExit} is called once, on the
     * watcher's thread, for the first service that exits before {@link #close()}; then watching
     * ends.
     */
    public static ServiceWatcher start(List<ServiceProcess> services, Consumer<Exit> onExit) {
        ServiceWatcher watcher = new ServiceWatcher(services, onExit);
        watcher.thread.start();
        return watcher;
    }

    private void watch() {
        while (!closed) {
            for (ServiceProcess service : services) {
                OptionalInt status = service.exitCode();
                if (status.isPresent() && !closed && !jvmShuttingDown()) {
                    closed = true;
                    onExit.accept(new Exit(service.name(), status.getAsInt(), service.log(),
                            lastLines(service.log(), LOG_LINES)));
                    return;
                }
            }
            try {
                Thread.sleep(POLL_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Stops watching: exits from now on are expected (the suite is being stopped). Does not wait
     * for the watcher's thread, which may be the one that reports (and exits the JVM).
     */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }

    /**
     * Ctrl-C reaches the services too (they share the terminal's process group), possibly before
     * the launcher's shutdown hook has closed this watcher: an exit then is no surprise.
     */
    private static boolean jvmShuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    /** Waits up to {@code timeout} for the watching thread to end; true when it has. */
    boolean awaitStopped(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        return !thread.isAlive();
    }

    /**
     * The exit status in words. The JVM reports a process ended by signal N as 128 + N, as
     * shells do.
     */
    static String describeStatus(int status) {
        if (status > 128 && status < 160) {
            int signal = status - 128;
            return status + " (killed by " + SIGNALS.getOrDefault(signal, "signal " + signal) + ")";
        }
        return String.valueOf(status);
    }

    /** The last {@code count} lines of a log file; empty when it is missing or empty. */
    static List<String> lastLines(Path log, int count) {
        if (!Files.isRegularFile(log)) {
            return List.of();
        }
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            int read = (int) Math.min(length, LOG_TAIL_BYTES);
            byte[] tail = new byte[read];
            file.seek(length - read);
            file.readFully(tail);
            List<String> lines = new ArrayList<>(Arrays.asList(new String(tail, StandardCharsets.UTF_8).split("\\R")));
            if (read < length && !lines.isEmpty()) {
                lines.remove(0); // cut in the middle
            }
            while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
                lines.remove(lines.size() - 1);
            }
            return List.copyOf(lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (IOException e) {
            return List.of("(cannot read " + log + ": " + e.getMessage() + ")");
        }
    }
}
