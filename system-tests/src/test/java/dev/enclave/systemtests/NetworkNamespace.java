package dev.enclave.systemtests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Linux network namespace joined to this host by a veth pair, so that a test has callers and
 * servers at addresses other than loopback: {@code 10.250.<n>.1/24} on the host side, and the
 * addresses asked for ({@code 10.250.<n>.2}, {@code .3}, …) inside the namespace. Names are unique
 * per instance ({@code enclave-it-<hex>}, {@code eit<hex>h}/{@code eit<hex>n}) and the subnet is one
 * no interface of the host uses. {@link #close()} removes both, also from a JVM shutdown hook should
 * the test never get there. Needs root and iproute2's {@code ip netns}: see {@link #unavailableBecause()}.
 */
final class NetworkNamespace implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();

    final String name;
    final String hostInterface;
    final String namespaceInterface;
    /** The third octet: the subnet is 10.250.{@code subnet}.0/24. */
    final int subnet;
    private final List<Process> processes = new ArrayList<>();
    private final Thread cleanupOnExit = new Thread(this::cleanUp, "network-namespace-cleanup");
    private boolean closed;

    private NetworkNamespace(String suffix, int subnet) {
        this.name = "enclave-it-" + suffix;
        this.hostInterface = "eit" + suffix + "h";
        this.namespaceInterface = "eit" + suffix + "n";
        this.subnet = subnet;
    }

    /** Why this machine cannot run the test (empty when it can): not root, or no {@code ip netns}. */
    static Optional<String> unavailableBecause() {
        Result uid = run(List.of("id", "-u"));
        if (uid.status != 0 || !uid.output.strip().equals("0")) {
            return Optional.of("needs root to create network namespaces and veth pairs (id -u: "
                    + uid.output.strip() + ")");
        }
        Result netns = run(List.of("ip", "netns", "list"));
        if (netns.status != 0) {
            return Optional.of("needs iproute2's `ip netns` (apt-get install -y iproute2): " + netns.output.strip());
        }
        return Optional.empty();
    }

    /**
     * Creates the namespace, the veth pair (host side {@link #hostAddress()}, up) and, inside, the
     * given host numbers of the subnet on its interface, loopback up. On any failure, what was made
     * is removed and the failure thrown.
     */
    static NetworkNamespace create(int... namespaceHosts) {
        byte[] random = new byte[3];
        RANDOM.nextBytes(random);
        String suffix = HexFormat.of().formatHex(random);
        NetworkNamespace namespace = new NetworkNamespace(suffix, freeSubnet());
        Runtime.getRuntime().addShutdownHook(namespace.cleanupOnExit);
        try {
            namespace.ip("netns", "add", namespace.name);
            namespace.ip("link", "add", namespace.hostInterface, "type", "veth", "peer", "name",
                    namespace.namespaceInterface);
            namespace.ip("link", "set", namespace.namespaceInterface, "netns", namespace.name);
            namespace.ip("addr", "add", namespace.hostAddress() + "/24", "dev", namespace.hostInterface);
            namespace.ip("link", "set", namespace.hostInterface, "up");
            for (int host : namespaceHosts) {
                namespace.ip("-n", namespace.name, "addr", "add", namespace.address(host) + "/24", "dev",
                        namespace.namespaceInterface);
            }
            namespace.ip("-n", namespace.name, "link", "set", namespace.namespaceInterface, "up");
            namespace.ip("-n", namespace.name, "link", "set", "lo", "up");
            return namespace;
        } catch (RuntimeException e) {
            namespace.close();
            throw e;
        }
    }

    /** A /24 of 10.250.0.0/16 that no address of this host is in. */
    private static int freeSubnet() {
        String used = run(List.of("ip", "-4", "-o", "addr", "show")).output;
        for (int attempt = 0; attempt < 64; attempt++) {
            int candidate = RANDOM.nextInt(256);
            if (!used.contains(" 10.250." + candidate + ".")) {
                return candidate;
            }
        }
        throw new IllegalStateException("No free /24 in 10.250.0.0/16 on this host: " + used);
    }

    String hostAddress() {
        return address(1);
    }

    String address(int host) {
        return "10.250." + subnet + "." + host;
    }

    /** The command run inside the namespace: {@code ip netns exec <name> <command…>}. */
    List<String> inside(List<String> command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(command);
        return full;
    }

    /** Starts a long-running process inside the namespace; it is ended (and waited for) by {@link #close()}. */
    synchronized Process start(ProcessBuilder builder) throws IOException {
        builder.command(inside(builder.command()));
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    private void ip(String... arguments) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(arguments));
        Result result = run(command);
        if (result.status != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + result.status + "): "
                    + result.output.strip());
        }
    }

    /**
     * Ends the processes started inside (a namespace with a process in it would outlive
     * {@code ip netns del}), then removes the veth pair (deleting one end deletes both) and the
     * namespace. Each step runs whatever the previous one did.
     */
    @Override
    public void close() {
        cleanUp();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (or ran) cleanUp itself
        }
    }

    private synchronized void cleanUp() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process process : processes) {
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
        run(List.of("ip", "link", "del", hostInterface));
        run(List.of("ip", "netns", "del", name));
    }

    /** Whether the namespace and the host's end of the veth pair exist now (for the test's own check). */
    static boolean exists(String namespace, String hostInterface) {
        return run(List.of("ip", "netns", "list")).output.lines().anyMatch(line -> line.split(" ")[0].equals(namespace))
                || run(List.of("ip", "link", "show", hostInterface)).status == 0;
    }

    record Result(int status, String output) {
    }

    /** Runs a short command, stdout and stderr together; a command that is missing is status 127. */
    static Result run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(124, String.join(" ", command) + " did not finish within 30 s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "interrupted");
        }
    }
}
