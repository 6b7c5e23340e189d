package dev.enclave.instance.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * What the build knows about itself: the git commit the service was built from, answered as
 * {@code revision} by {@code GET /api/v4/version} and {@code /metadata} (GitLab's short form, 11
 * hex digits).
 *
 * <p>{@link #main} runs during the Maven build ({@code exec-maven-plugin}, phase
 * {@code process-classes}, see the module's pom) and writes {@value #RESOURCE} into the classes;
 * the service reads it with {@link #revision()}. Outside a git checkout, or without git, the
 * revision is {@value #UNKNOWN} and the build goes on. {@code -Denclave.revision=<sha>} sets it
 * explicitly (a build from a source archive).
 */
public final class BuildInfo {

    public static final String RESOURCE = "META-INF/enclave-build.properties";
    public static final String UNKNOWN = "unknown";
    static final int SHORT_LENGTH = 11;
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{7,40}");

    private static final String REVISION = load();

    private BuildInfo() {
    }

    /** The git commit the service was built from (11 hex digits), or {@value #UNKNOWN}. */
    public static String revision() {
        return REVISION;
    }

    private static String load() {
        try (InputStream in = BuildInfo.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return UNKNOWN;
            }
            Properties properties = new Properties();
            properties.load(in);
            return valid(properties.getProperty("revision"));
        } catch (IOException e) {
            return UNKNOWN;
        }
    }

    static String valid(String revision) {
        if (revision == null) {
            return UNKNOWN;
        }
        String trimmed = revision.trim().toLowerCase(java.util.Locale.ROOT);
        if (!SHA.matcher(trimmed).matches()) {
            return UNKNOWN;
        }
        return trimmed.length() > SHORT_LENGTH ? trimmed.substring(0, SHORT_LENGTH) : trimmed;
    }

    /**
     * Build step: {@code BuildInfo <output file> <source directory> [<explicit revision>]}. Never
     * fails the build: anything that goes wrong asking git gives {@value #UNKNOWN}.
     */
    public static void main(String[] args) throws IOException {
        Path output = Path.of(args[0]);
        Path sources = Path.of(args.length > 1 ? args[1] : ".");
        String explicit = args.length > 2 && args[2] != null ? args[2] : "";
        String revision = explicit.isBlank() ? gitRevision(sources) : valid(explicit);
        Files.createDirectories(output.toAbsolutePath().getParent());
        Properties properties = new Properties();
        properties.setProperty("revision", revision);
        try (OutputStream out = Files.newOutputStream(output)) {
            properties.store(out, "Written by the build (dev.enclave.instance.config.BuildInfo)");
        }
        System.out.println("[enclave] build revision: " + revision);
    }

    static String gitRevision(Path directory) {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "--short=" + SHORT_LENGTH, "HEAD")
                    .directory(directory.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            git.getOutputStream().close();
            byte[] out = git.getInputStream().readAllBytes();
            if (!git.waitFor(10, TimeUnit.SECONDS)) {
                git.destroyForcibly();
                return UNKNOWN;
            }
            return git.exitValue() == 0 ? valid(new String(out, StandardCharsets.US_ASCII)) : UNKNOWN;
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return UNKNOWN;
        }
    }
}
