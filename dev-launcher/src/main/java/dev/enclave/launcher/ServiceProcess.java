package dev.enclave.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * One service of the suite running as its own operating-system process, or (see
 * {@link #external}) one the developer runs elsewhere, in Quarkus dev mode, that the suite only
 * waits for.
 */
public final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final String name;
    private final int port;
    private final String readinessPath;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path log;
    private final Path workingDir;
    private final boolean external;
    private Process process;
    private Duration lastStartTime = Duration.ZERO;

    ServiceProcess(String name, int port, String readinessPath, List<String> command, Map<String, String> environment,
                   Path log, Path workingDir) {
        this.name = name;
        this.port = port;
        this.readinessPath = readinessPath;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.log = log;
        this.workingDir = workingDir;
        this.external = command.isEmpty();
    }

    /**
     * A service the launcher does not start ({@code ./run-local --without <name>}): the developer
     * runs it in dev mode on {@code port}. {@link #start(Duration)} only waits until its readiness
     * probe answers 200; {@link #stop()} and {@link #kill()} leave it alone.
     */
    static ServiceProcess external(String name, int port, String readinessPath, Path workingDir) {
        // Dev mode logs to its own terminal; nothing is written here.
        return new ServiceProcess(name, port, readinessPath, List.of(), Map.of(), workingDir.resolve(name), workingDir);
    }

    /** Whether this is a service the developer runs (dev mode), not a process of the launcher. */
    public boolean isExternal() {
        return external;
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    /** Wall time from launching the process to its readiness probe answering 200. */
    public Duration lastStartTime() {
        return lastStartTime;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Starts the process and waits until its readiness probe answers 200. */
    public synchronized void start(Duration timeout) {
        if (external) {
            Instant asked = Instant.now();
            awaitReady(asked.plus(timeout));
            lastStartTime = Duration.between(asked, Instant.now());
            return;
        }
        if (isAlive()) {
            return;
        }
        requirePortFree();
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workingDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            Instant launched = Instant.now();
            process = builder.start();
            awaitReady(launched.plus(timeout));
            lastStartTime = Duration.between(launched, Instant.now());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name, e);
        }
    }

    /** Another process answering on our port would pass the readiness probe in our place. */
    private void requirePortFree() {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress("127.0.0.1", port));
        } catch (IOException e) {
            throw new IllegalStateException("Port " + port + " for " + name + " is in use: is Enclave (or something "
                    + "else) already running there?");
        }
    }

    private void awaitReady(Instant deadline) {
        URI probe = URI.create(url() + readinessPath);
        while (Instant.now().isBefore(deadline)) {
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue()
                        + " during start-up; see " + log.toAbsolutePath());
            }
            try {
                HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(probe)
                        .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for " + name, e);
            }
            sleep(100);
        }
        if (external) {
            throw new IllegalStateException(name + " (run outside the launcher, in dev mode) was not ready at " + probe
                    + " in time: start it with `./mvnw -f " + name + "/pom.xml quarkus:dev` (README, \"Develop\")");
        }
        stop();
        throw new IllegalStateException(name + " was not ready at " + probe + " in time; see " + log.toAbsolutePath());
    }

    /** Graceful stop (SIGTERM), then a kill if it does not exit within 10 s. */
    public synchronized void stop() {
        if (external || process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /**
     * SIGKILL, as a crash or the OOM killer would end it: no shutdown hook runs, open connections
     * are reset. Returns once the process is gone. Start it again with {@link #start(Duration)}.
     */
    public synchronized void kill() {
        if (external || process == null) {
            return;
        }
        process.destroyForcibly();
        if (!awaitExit(Duration.ofSeconds(10))) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 10 s");
        }
    }

    /**
     * SIGTERM without waiting, as an orchestrator stops a service: the process begins its graceful
     * shutdown while the caller goes on (to watch in-flight requests finish). See {@link #awaitExit(Duration)}.
     */
    public synchronized void terminate() {
        if (process != null && process.isAlive()) {
            process.destroy();
        }
    }

    /** Waits up to {@code timeout} for the process to exit; true when it has (or never ran). */
    public boolean awaitExit(Duration timeout) {
        Process current;
        synchronized (this) {
            current = process;
        }
        if (current == null) {
            return true;
        }
        try {
            return current.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !current.isAlive();
        }
    }

    /**
     * The exit status of the last run: empty while it runs, and before the first start. A process
     * ended by signal N reports 128 + N. {@link ServiceWatcher} polls it.
     */
    public synchronized OptionalInt exitCode() {
        return process == null || process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    @Override
    public void close() {
        stop();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
