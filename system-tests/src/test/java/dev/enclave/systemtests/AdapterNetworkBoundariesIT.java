package dev.enclave.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.launcher.Suite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * model-adapter's own network boundaries, between real addresses: the packaged token-service and
 * model-adapter (nothing else of the suite) on this host, and a network namespace joined to it by a
 * veth pair ({@link NetworkNamespace}: host side 10.250.n.1, inside .2 and .3) in which a model
 * simulator listens on every address and from which curl calls the adapter. The adapter listens on
 * every address too, trusts loopback and 10.250.n.3/32 as callers
 * ({@code enclave.adapter.ingress.trusted-cidrs}) and allows loopback and 10.250.n.3/32 as model
 * networks ({@code enclave.adapter.egress.allowed-cidrs}). Every call carries a real access token
 * token-service issued to ai-gateway for model-adapter.
 *
 * <ul>
 * <li>Ingress: a caller from .3 is served; the same request from .2 is 403 {@code ingress_denied}
 * naming the caller, and the model is not called.</li>
 * <li>Egress: the simulator answers this host at .2, yet a model endpoint at .2 is 403
 * {@code egress_denied} and nothing reaches the simulator; the same simulator and model at .3 is
 * served.</li>
 * </ul>
 *
 * <p>Skipped (with the reason) when not run as root or without {@code ip netns} or curl. The
 * namespace and the veth pair are removed afterwards, whatever happened.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdapterNetworkBoundariesIT {

    static final Duration START = Duration.ofSeconds(90);
    static final int SIMULATOR_PORT = 8000;
    /** Inside the namespace: outside both allowlists. */
    static final int UNTRUSTED = 2;
    /** Inside the namespace: in both allowlists (as a /32). */
    static final int TRUSTED = 3;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    NetworkNamespace namespace;
    String namespaceName;
    String hostInterface;
    Suite suite;
    Suite.Options options;
    Path dataDir;
    String modelApiKey;
    String accessToken;

    @BeforeAll
    void start() throws Exception {
        NetworkNamespace.unavailableBecause().ifPresent(reason -> assumeTrue(false, reason));
        assumeTrue(NetworkNamespace.run(List.of("curl", "--version")).status() == 0,
                "needs curl to call from inside the network namespace (apt-get install -y curl)");
        namespace = NetworkNamespace.create(UNTRUSTED, TRUSTED);
        namespaceName = namespace.name;
        hostInterface = namespace.hostInterface;

        Path root = Path.of(System.getProperty("enclave.root", "..")).toAbsolutePath().normalize();
        dataDir = Files.createTempDirectory(Files.createDirectories(root.resolve("system-tests/target")), "netns-");
        modelApiKey = "sim-" + UUID.randomUUID();
        String trusted = namespace.address(TRUSTED) + "/32";
        options = new Suite.Options(root, dataDir, Suite.Ports.free(), UUID.randomUUID().toString(), modelApiKey,
                Suite.Options.DEFAULT_JVM_OPTIONS, START, Map.of(Suite.ADAPTER, Map.of(
                        "quarkus.http.host", "0.0.0.0",
                        "enclave.adapter.ingress.trusted-cidrs", "127.0.0.0/8,::1/128," + trusted,
                        "enclave.adapter.egress.allowed-cidrs", "127.0.0.0/8,::1/128," + trusted)));

        Path simulatorJar = root.resolve("model-simulator/target/model-simulator-runner.jar");
        assertThat(simulatorJar).as("build first with ./mvnw -DskipTests package").isRegularFile();
        ProcessBuilder simulator = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-jar", simulatorJar.toString(),
                "--host", "0.0.0.0", "--port", String.valueOf(SIMULATOR_PORT), "--models", Suite.SIMULATED_MODEL)
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("namespace-simulator.log").toFile());
        simulator.environment().put("SIM_API_KEY", modelApiKey);
        namespace.start(simulator);

        suite = Suite.startOnly(options, Set.of(Suite.TOKEN_SERVICE, Suite.ADAPTER));
        awaitSimulator();
        accessToken = gatewayAccessToken();
    }

    @AfterAll
    void stop() {
        try {
            if (suite != null) {
                suite.close();
            }
        } finally {
            if (namespace != null) {
                namespace.close();
                assertThat(NetworkNamespace.exists(namespaceName, hostInterface))
                        .as("namespace %s and veth %s removed", namespaceName, hostInterface).isFalse();
            }
        }
    }

    @BeforeEach
    void forgetModelCalls() {
        HttpResponse<String> cleared = send(HttpRequest.newBuilder(simulatorAt(UNTRUSTED, "/__simulator/requests"))
                .DELETE());
        assertThat(cleared.statusCode()).isEqualTo(204);
    }

    @Test
    void aCallerInsideTheTrustedNetworksIsServed() {
        Answer fromNamespace = curlFrom(TRUSTED, completion(TRUSTED));
        assertThat(fromNamespace.status()).as(fromNamespace.body()).isEqualTo(200);
        assertThat(fromNamespace.json().path("text").asText()).isNotBlank();
        assertThat(fromNamespace.json().path("model").asText()).isEqualTo(Suite.SIMULATED_MODEL);

        Answer fromLoopback = fromLoopback(completion(TRUSTED));
        assertThat(fromLoopback.status()).as(fromLoopback.body()).isEqualTo(200);
        assertThat(fromLoopback.json().path("text").asText()).isEqualTo(fromNamespace.json().path("text").asText());
        assertThat(modelCalls()).hasSize(2);
    }

    @Test
    void aCallerOutsideTheTrustedNetworksIsRefusedWhateverItPresents() {
        Answer refused = curlFrom(UNTRUSTED, completion(TRUSTED));

        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.json().path("error").asText()).isEqualTo("ingress_denied");
        assertThat(refused.json().path("message").asText())
                .isEqualTo("caller " + namespace.address(UNTRUSTED) + " is outside the trusted networks");
        assertThat(refused.body()).doesNotContain(accessToken, modelApiKey);
        assertThat(modelCalls()).isEmpty();
    }

    @Test
    void aModelOutsideTheEgressAllowlistIsRefusedThoughThisHostReachesIt() {
        // Reachable: the simulator answers this host at the address the adapter must not call.
        assertThat(send(HttpRequest.newBuilder(simulatorAt(UNTRUSTED, "/health")).GET()).statusCode()).isEqualTo(200);

        Answer refused = fromLoopback(completion(UNTRUSTED));
        assertThat(refused.status()).as(refused.body()).isEqualTo(403);
        assertThat(refused.json().path("error").asText()).isEqualTo("egress_denied");
        String address = namespace.address(UNTRUSTED);
        assertThat(refused.json().path("message").asText()).isEqualTo("model endpoint host " + address
                + " resolves to " + address + ", which is outside the allowed networks (enclave.adapter.egress.allowed-cidrs)");
        assertThat(modelCalls()).isEmpty();

        // The same simulator and model at an allowed address.
        Answer served = fromLoopback(completion(TRUSTED));
        assertThat(served.status()).as(served.body()).isEqualTo(200);
        assertThat(served.json().path("text").asText()).isNotBlank();
        List<JsonNode> calls = modelCalls();
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).path("path").asText()).isEqualTo("/v1/completions");
        assertThat(calls.get(0).path("headers").path("host").path(0).asText())
                .isEqualTo(namespace.address(TRUSTED) + ":" + SIMULATOR_PORT);
    }

    record Answer(int status, String body) {
        JsonNode json() {
            try {
                return RunningSuite.JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("Not JSON (" + status + "): " + body, e);
            }
        }
    }

    /** A completion request for the simulated model at the namespace's address {@code host}. */
    private String completion(int host) {
        return "{\"model\":{\"provider\":\"openai_compatible\",\"endpoint\":\"" + simulatorAt(host, "/v1")
                + "\",\"identifier\":\"" + Suite.SIMULATED_MODEL + "\",\"api_key\":" + RunningSuite.quote(modelApiKey)
                + "},\"prompt\":\"def add(a, b):\\n    \",\"max_tokens\":8}";
    }

    private URI simulatorAt(int host, String path) {
        return URI.create("http://" + namespace.address(host) + ":" + SIMULATOR_PORT + path);
    }

    private Answer fromLoopback(String body) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                        URI.create(suite.service(Suite.ADAPTER).url() + "/v1/completions"))
                .header("Authorization", "Bearer " + accessToken).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        return new Answer(response.statusCode(), response.body());
    }

    /**
     * The same call made by curl inside the namespace, from its address {@code host}, to the
     * adapter at the host's end of the veth pair. The token goes in a header file (mode 600), not
     * on a command line that {@code ps} shows.
     */
    private Answer curlFrom(int host, String body) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory(dataDir, "curl-");
            Path headers = Files.createFile(dir.resolve("headers"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(headers, "Authorization: Bearer " + accessToken + "\nContent-Type: application/json\n");
            Path request = Files.writeString(dir.resolve("request.json"), body);
            Path answer = dir.resolve("answer");
            String url = "http://" + namespace.hostAddress() + ":" + suite.service(Suite.ADAPTER).port()
                    + "/v1/completions";
            NetworkNamespace.Result result = NetworkNamespace.run(namespace.inside(List.of("curl", "-sS",
                    "--max-time", "30", "--interface", namespace.address(host), "-H", "@" + headers,
                    "--data-binary", "@" + request, "-o", answer.toString(), "-w", "%{http_code}", url)));
            assertThat(result.status()).as("curl: " + result.output()).isZero();
            return new Answer(Integer.parseInt(result.output().strip()), Files.readString(answer, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            // The token and the model's API key are not left behind.
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The requests that reached the simulator since the last {@link #forgetModelCalls()}. */
    private List<JsonNode> modelCalls() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(simulatorAt(UNTRUSTED, "/__simulator/requests")).GET());
        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> calls = new ArrayList<>();
        new Answer(200, response.body()).json().forEach(calls::add);
        return calls;
    }

    /** A client-credentials access token of ai-gateway for model-adapter, as ai-gateway gets it. */
    private String gatewayAccessToken() {
        String credentials = Base64.getEncoder().encodeToString(("ai-gateway:" + Suite.gatewayClientSecret(options))
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                        URI.create(suite.service(Suite.TOKEN_SERVICE).url() + "/oauth/token"))
                .header("Authorization", "Basic " + credentials)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&audience=model-adapter")));
        assertThat(response.statusCode()).as("token-service's answer to ai-gateway's client credentials")
                .isEqualTo(200);
        String token = new Answer(200, response.body()).json().path("access_token").asText();
        assertThat(token).isNotBlank();
        return token;
    }

    /** The simulator in the namespace answers at its addresses (the veth pair may take a moment to come up). */
    private void awaitSimulator() throws InterruptedException {
        Instant deadline = Instant.now().plus(START);
        for (int host : new int[]{UNTRUSTED, TRUSTED}) {
            URI health = simulatorAt(host, "/health");
            while (true) {
                try {
                    if (http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(1)).GET().build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        break;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                assertThat(Instant.now()).as("simulator in namespace %s ready at %s; see %s", namespaceName, health,
                        dataDir.resolve("namespace-simulator.log")).isBefore(deadline);
                Thread.sleep(100);
            }
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("Calling " + request.build().uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
