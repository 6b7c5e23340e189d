package dev.enclave.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The whole suite as local processes: model simulator, token-service, model-adapter, ai-gateway
 * and instance-service, started in dependency order from their packaged builds, each waited on
 * until ready. Used by the quick start ({@link LocalSuiteMain}) and by the end-to-end tests.
 */
public final class Suite implements AutoCloseable {

    /** Loopback ports of the five processes. */
    public record Ports(int instance, int tokenService, int gateway, int adapter, int simulator) {

        /** The documented defaults of a local run. */
        public static Ports defaults() {
            return new Ports(8080, 8081, 5052, 8082, 8000);
        }

        /** Five ports free right now, for tests that must not collide with a running suite. */
        public static Ports free() {
            return new Ports(freePort(), freePort(), freePort(), freePort(), freePort());
        }

        /** Below Linux's ephemeral range (32768–60999), which outgoing connections draw from. */
        static final int LOW = 20000;
        static final int HIGH = 32000;
        /** Ports this JVM handed out: never twice (a stopped suite's port may still be closing). */
        private static final Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

        /**
         * A port free now, outside the ephemeral range: a port the kernel picked for a listener
         * ({@code new ServerSocket(0)}) is one it also gives to outgoing connections, so on a busy
         * machine another process's connection can take it between this choice and the service's
         * bind ("Port … seems to be in use"). Falls back to the kernel's choice.
         */
        private static int freePort() {
            java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
            for (int attempt = 0; attempt < 200; attempt++) {
                int port = random.nextInt(LOW, HIGH);
                if (!HANDED_OUT.contains(port) && bindable(port) && HANDED_OUT.add(port)) {
                    return port;
                }
            }
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("No free port", e);
            }
        }

        /** Free on every address (the services bind 127.0.0.1 or, in some tests, 0.0.0.0). */
        private static boolean bindable(int port) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new java.net.InetSocketAddress((java.net.InetAddress) null, port));
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    /**
     * @param projectRoot       the repository root (where the modules' target/ folders are)
     * @param dataDir           H2 files, generated keys, the admin token file and the logs
     * @param clientSecret      instance-service's client secret at token-service
     * @param modelApiKey       the simulator's API key, also given to the seeded model
     * @param jvmOptions        options for every service JVM (heap bounds)
     * @param extraProperties   system properties for one service, by service name
     * @param external          services the launcher does not start because the developer runs them in
     *                          dev mode on their port of {@code ports} ({@code ./run-local --without}); the
     *                          suite waits up to {@code externalTimeout} for each to be ready, in its turn
     */
    public record Options(Path projectRoot, Path dataDir, Ports ports, String clientSecret, String modelApiKey,
                          List<String> jvmOptions, Duration startTimeout,
                          Map<String, Map<String, String>> extraProperties, Set<String> external,
                          Duration externalTimeout) {

        public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xms32m", "-Xmx128m", "-XX:+UseSerialGC",
                "-XX:MaxMetaspaceSize=128m", "-Xss512k");

        public Options {
            jvmOptions = List.copyOf(jvmOptions);
            extraProperties = Map.copyOf(extraProperties);
            external = Set.copyOf(external);
            Set<String> unknown = new TreeSet<>(external);
            unknown.removeAll(SERVICES);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("Unknown service(s) " + unknown + ": one of " + SERVICES);
            }
        }

        /** Every service started by the launcher. */
        public Options(Path projectRoot, Path dataDir, Ports ports, String clientSecret, String modelApiKey,
                       List<String> jvmOptions, Duration startTimeout, Map<String, Map<String, String>> extraProperties) {
            this(projectRoot, dataDir, ports, clientSecret, modelApiKey, jvmOptions, startTimeout, extraProperties,
                    Set.of(), startTimeout);
        }
    }

    public static final String SIMULATOR = "model-simulator";
    public static final String TOKEN_SERVICE = "token-service";
    public static final String ADAPTER = "model-adapter";
    public static final String GATEWAY = "ai-gateway";
    public static final String INSTANCE = "instance-service";
    /** The four services, in the order the suite starts them; any may run in dev mode instead. */
    public static final List<String> SERVICES = List.of(TOKEN_SERVICE, ADAPTER, GATEWAY, INSTANCE);
    public static final String SIMULATED_MODEL = "codestral-22b";
    /** A second model the simulator serves, for a gateway standing in for the cloud one. */
    public static final String VENDOR_MODEL = "vendor-codestral";

    private final List<ServiceProcess> processes;

    private Suite(List<ServiceProcess> processes) {
        this.processes = processes;
    }

    /** Starts every service in order; if one fails, stops the ones already started and rethrows. */
    public static Suite start(Options options) {
        return start(options, plan(options));
    }

    /**
     * Only the named processes of {@link #start(Options)} (service names, {@link #SIMULATOR} for the
     * model simulator), configured as there and started in the same order: for tests that need part
     * of the suite. The others are not started, and {@link #service(String)} does not know them.
     */
    public static Suite startOnly(Options options, Set<String> names) {
        Set<String> unknown = new TreeSet<>(names);
        unknown.removeAll(SERVICES);
        unknown.remove(SIMULATOR);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("Unknown process(es) " + unknown + ": one of " + SERVICES
                    + " or " + SIMULATOR);
        }
        return start(options, plan(options).stream().filter(process -> names.contains(process.name())).toList());
    }

    /**
     * The suite in the {@code prod} profile, as an operator runs it: nothing generated, seeded or
     * loopback-allowed by default. Each service gets only its port and the environment given for it
     * ({@code environment}, by service name: master keys, client secrets, JDBC URLs, allowlists, the
     * other services' URLs, as docs/deploy.md lists them). The model simulator is started as in
     * {@link #start(Options)}; {@link Options#extraProperties()} and {@link Options#external()} are not used.
     */
    public static Suite startProd(Options options, Map<String, Map<String, String>> environment) {
        List<ServiceProcess> processes = new ArrayList<>();
        processes.add(simulator(options));
        for (String name : SERVICES) {
            processes.add(prodService(options, name, name, environment.getOrDefault(name, Map.of())));
        }
        return start(options, processes);
    }

    /**
     * One service in the {@code prod} profile with exactly {@code environment}; not started. Its log
     * is {@code <dataDir>/logs/<instanceName>.log}.
     */
    public static ServiceProcess prodService(Options options, String name, String instanceName,
                                             Map<String, String> environment) {
        if (!SERVICES.contains(name)) {
            throw new IllegalArgumentException("Unknown service " + name + ": one of " + SERVICES);
        }
        return prodService(options, name, instanceName, portOf(options.ports(), name), environment);
    }

    /**
     * One more replica of a service in the {@code prod} profile, on {@code port} instead of the
     * service's port in {@link Options#ports()} (another replica sharing the first one's database);
     * not started, and not stopped with the suite.
     */
    public static ServiceProcess prodService(Options options, String name, String instanceName, int port,
                                             Map<String, String> environment) {
        if (!SERVICES.contains(name)) {
            throw new IllegalArgumentException("Unknown service " + name + ": one of " + SERVICES);
        }
        Path root = options.projectRoot().toAbsolutePath();
        List<String> jvm = List.of("-Dquarkus.profile=prod", "-Dquarkus.http.port=" + port);
        return new ServiceProcess(instanceName, port, "/q/health/ready",
                javaCommand(options, jvm, jar(root, name + "/target/quarkus-app/quarkus-run.jar"), List.of()),
                environment, options.dataDir().toAbsolutePath().resolve("logs").resolve(instanceName + ".log"), root);
    }

    private static int portOf(Ports ports, String name) {
        return switch (name) {
            case TOKEN_SERVICE -> ports.tokenService();
            case ADAPTER -> ports.adapter();
            case GATEWAY -> ports.gateway();
            case INSTANCE -> ports.instance();
            default -> ports.simulator();
        };
    }

    private static Suite start(Options options, List<ServiceProcess> plan) {
        List<ServiceProcess> processes = new ArrayList<>(plan);
        List<ServiceProcess> started = new ArrayList<>();
        try {
            for (ServiceProcess process : processes) {
                if (process.isExternal()) {
                    System.out.printf("Waiting for %s on %s: start it in dev mode with ./mvnw -f %s/pom.xml quarkus:dev%n",
                            process.name(), process.url(), process.name());
                    process.start(options.externalTimeout());
                } else {
                    process.start(options.startTimeout());
                }
                started.add(process);
            }
        } catch (RuntimeException e) {
            Collections.reverse(started);
            started.forEach(ServiceProcess::stop);
            throw e;
        }
        return new Suite(processes);
    }

    static List<ServiceProcess> plan(Options options) {
        Ports ports = options.ports();
        String instanceUrl = "http://localhost:" + ports.instance();
        String tokenServiceUrl = "http://127.0.0.1:" + ports.tokenService();

        List<ServiceProcess> processes = new ArrayList<>();
        processes.add(simulator(options));

        processes.add(quarkus(options, TOKEN_SERVICE, ports.tokenService(), Map.of(
                "enclave.token.issuer", instanceUrl),
                Map.of("ENCLAVE_TOKEN_INSTANCE_CLIENT_SECRET", options.clientSecret(),
                        "ENCLAVE_GATEWAY_CLIENT_SECRET", gatewayClientSecret(options),
                        "ENCLAVE_ADAPTER_VERIFIER_CLIENT_SECRET", adapterVerifierSecret(options))));

        processes.add(quarkus(options, ADAPTER, ports.adapter(), Map.of(
                "enclave.adapter.token-service-url", tokenServiceUrl),
                Map.of("ENCLAVE_ADAPTER_VERIFIER_CLIENT_SECRET", adapterVerifierSecret(options))));

        processes.add(quarkus(options, GATEWAY, ports.gateway(), Map.of(
                "enclave.gateway.token-service-url", tokenServiceUrl,
                "quarkus.rest-client.model-adapter.url", "http://127.0.0.1:" + ports.adapter()),
                Map.of("ENCLAVE_GATEWAY_CLIENT_SECRET", gatewayClientSecret(options))));

        processes.add(quarkus(options, INSTANCE, ports.instance(), Map.of(
                "enclave.instance.public-url", instanceUrl,
                "enclave.instance.token-service-url", tokenServiceUrl,
                "enclave.instance.ai-gateway-url", "http://127.0.0.1:" + ports.gateway(),
                "enclave.instance.seed.model-endpoint", "http://127.0.0.1:" + ports.simulator() + "/v1",
                "enclave.instance.seed.model-identifier", "custom_openai/" + SIMULATED_MODEL),
                Map.of("ENCLAVE_INSTANCE_CLIENT_SECRET", options.clientSecret(),
                        "ENCLAVE_INSTANCE_SEED_MODEL_API_KEY", options.modelApiKey())));
        return processes;
    }

    private static ServiceProcess simulator(Options options) {
        Ports ports = options.ports();
        Path root = options.projectRoot().toAbsolutePath();
        Path logs = options.dataDir().toAbsolutePath().resolve("logs");
        return new ServiceProcess(SIMULATOR, ports.simulator(), "/health",
                javaCommand(options, List.of(), jar(root, "model-simulator/target/model-simulator-runner.jar"),
                        List.of("--host", "127.0.0.1", "--port", String.valueOf(ports.simulator()),
                                "--models", SIMULATED_MODEL + "," + VENDOR_MODEL)),
                Map.of("SIM_API_KEY", options.modelApiKey()), logs.resolve(SIMULATOR + ".log"), root);
    }

    private static ServiceProcess quarkus(Options options, String name, int port, Map<String, String> properties,
                                          Map<String, String> secrets) {
        if (options.external().contains(name)) {
            // Run by the developer in dev mode on the same port, with the same secrets (from
            // data/local-secrets.properties) and the same defaults for the other services' URLs.
            return ServiceProcess.external(name, port, "/q/health/ready", options.projectRoot().toAbsolutePath());
        }
        return quarkus(options, name, port, properties, secrets, name);
    }

    /** @param instanceName the process's name (its log file), when it differs from the module's */
    private static ServiceProcess quarkus(Options options, String name, int port, Map<String, String> properties,
                                          Map<String, String> secrets, String instanceName) {
        Path root = options.projectRoot().toAbsolutePath();
        List<String> jvm = new ArrayList<>();
        jvm.add("-Dquarkus.profile=local");
        jvm.add("-Dquarkus.http.port=" + port);
        jvm.add("-Denclave.data-dir=" + options.dataDir().toAbsolutePath());
        properties.forEach((key, value) -> jvm.add("-D" + key + "=" + value));
        options.extraProperties().getOrDefault(name, Map.of()).forEach((key, value) -> jvm.add("-D" + key + "=" + value));
        // Secrets travel in the environment, not on the command line where `ps` shows them.
        return new ServiceProcess(instanceName, port, "/q/health/ready",
                javaCommand(options, jvm, jar(root, name + "/target/quarkus-app/quarkus-run.jar"), List.of()),
                secrets, options.dataDir().toAbsolutePath().resolve("logs").resolve(instanceName + ".log"), root);
    }

    /**
     * The suite's service-to-service secrets derive from the one client secret the options carry
     * (different per service, so that one leaking does not open the others' doors). Public so that a
     * test can obtain ai-gateway's client-credentials token for model-adapter as ai-gateway does.
     */
    public static String gatewayClientSecret(Options options) {
        return derive(options.clientSecret(), "ai-gateway");
    }

    static String adapterVerifierSecret(Options options) {
        return derive(options.clientSecret(), "model-adapter");
    }

    static String derive(String secret, String purpose) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(
                    purpose.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static List<String> javaCommand(Options options, List<String> jvm, Path jar, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options.jvmOptions());
        command.addAll(jvm);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(args);
        return command;
    }

    private static Path jar(Path root, String relative) {
        Path jar = root.resolve(relative);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Missing " + jar + ": build first with ./mvnw -DskipTests package");
        }
        return jar;
    }

    /**
     * Starts one more ai-gateway, with a model of its own at the simulator: it stands in for the
     * cloud gateway that {@code vendored} features go to. Stopped with the suite.
     */
    public synchronized ServiceProcess startCloudGateway(Options options, int port) {
        Ports ports = options.ports();
        String simulator = "http://127.0.0.1:" + ports.simulator() + "/v1";
        ServiceProcess cloud = quarkus(options, GATEWAY, port, Map.of(
                "enclave.gateway.token-service-url", "http://127.0.0.1:" + ports.tokenService(),
                "quarkus.rest-client.model-adapter.url", "http://127.0.0.1:" + ports.adapter(),
                "enclave.gateway.own-model.endpoint", simulator,
                "enclave.gateway.own-model.identifier", "custom_openai/" + VENDOR_MODEL,
                "enclave.gateway.own-model.family", "codestral"),
                Map.of("ENCLAVE_GATEWAY_OWN_MODEL_API_KEY", options.modelApiKey(),
                        "ENCLAVE_GATEWAY_CLIENT_SECRET", gatewayClientSecret(options)), "cloud-gateway");
        cloud.start(options.startTimeout());
        processes.add(cloud);
        return cloud;
    }

    /**
     * Stops the suite's {@code name} and starts it again, in the {@code prod} profile on the same
     * port and log, with {@code environment} instead (a rotated master key, say). The new process
     * takes the old one's place: {@link #service(String)} returns it and {@link #close()} stops it,
     * also when it fails to start (the exception is rethrown).
     */
    public synchronized ServiceProcess restartProd(Options options, String name, Map<String, String> environment) {
        ServiceProcess replacement = prodService(options, name, name, environment);
        ServiceProcess current = service(name);
        current.stop();
        processes.set(processes.indexOf(current), replacement);
        replacement.start(options.startTimeout());
        return replacement;
    }

    public ServiceProcess service(String name) {
        return processes.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No service " + name));
    }

    public synchronized List<ServiceProcess> services() {
        return List.copyOf(processes);
    }

    /** Stops every service, the last started first. */
    @Override
    public void close() {
        List<ServiceProcess> reversed = new ArrayList<>(processes);
        Collections.reverse(reversed);
        reversed.forEach(ServiceProcess::stop);
    }
}
