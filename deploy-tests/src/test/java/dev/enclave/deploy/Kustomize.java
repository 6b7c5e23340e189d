package dev.enclave.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/** Renders a kustomization with {@code kubectl kustomize} and parses every object with fabric8's model. */
final class Kustomize {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final long TIMEOUT_SECONDS = 120;

    private Kustomize() {
    }

    /** The repository root: this module's parent directory. */
    static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("deploy/base"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("No deploy/base above " + System.getProperty("user.dir"));
        }
        return dir;
    }

    /** kubectl on the PATH, or the test is skipped (never failed) with a message saying so. */
    static Path requireKubectl() {
        Optional<Path> kubectl = findOnPath("kubectl");
        Assumptions.assumeTrue(kubectl.isPresent(), "kubectl is not on the PATH: the manifest tests render deploy/ "
                + "with `kubectl kustomize` (kubectl 1.27 or later) and are skipped without it");
        return kubectl.get();
    }

    static Optional<Path> findOnPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** {@code kubectl kustomize <dir>}: every rendered object, in order. */
    static List<HasMetadata> render(Path kustomizationDir) {
        Path kubectl = requireKubectl();
        String yaml = run(List.of(kubectl.toString(), "kustomize", kustomizationDir.toString()));
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : yaml.split("(?m)^---\\s*$")) {
            if (document.isBlank()) {
                continue;
            }
            KubernetesResource parsed = SERIALIZATION.unmarshal(document);
            if (!(parsed instanceof HasMetadata object)) {
                throw new AssertionError("Not a Kubernetes object: " + document);
            }
            objects.add(object);
        }
        return objects;
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "): "
                        + err.join());
            }
            return out.join();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String read(InputStream in) {
        try (in; ByteArrayOutputStream buffer = new ByteArrayOutputStream()) {
            in.transferTo(buffer);
            return buffer.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
