package dev.enclave.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a service's own sources say about it, read from the repository (not from the manifests):
 * its HTTP port, its health endpoints, the configuration keys it knows, its image's Dockerfile.
 */
record ServiceFacts(String name, int httpPort, Set<String> healthPaths, Set<String> environmentNames,
                    Path dockerfile) {

    static final Set<String> SERVICES = Set.of("token-service", "instance-service", "ai-gateway", "model-adapter");

    private static final Pattern BACKTICKED_KEY = Pattern.compile("`((?:quarkus|enclave)\\.[a-zA-Z0-9.\\-\"<>*]+)`");
    private static final Pattern ENV_NAME = Pattern.compile("\\b((?:ENCLAVE|QUARKUS)_[A-Z0-9_]+)\\b");

    static ServiceFacts read(Path root, String service) {
        Path module = root.resolve(service);
        Properties properties = load(module.resolve("src/main/resources/application.properties"));
        int port = Integer.parseInt(properties.getProperty("quarkus.http.port"));

        // Quarkus serves its health endpoints at <non-application root>/<health root>/{live,ready,started}
        // when quarkus-smallrye-health is on the class path; defaults /q and health.
        String pom = readString(module.resolve("pom.xml"));
        Set<String> health = new TreeSet<>();
        if (pom.contains("<artifactId>quarkus-smallrye-health</artifactId>")) {
            String nonApplication = properties.getProperty("quarkus.http.non-application-root-path", "q");
            String healthRoot = properties.getProperty("quarkus.smallrye-health.root-path", "health");
            String base = "/" + strip(nonApplication) + "/" + strip(healthRoot);
            health.add(base);
            health.add(base + "/" + properties.getProperty("quarkus.smallrye-health.liveness-path", "live"));
            health.add(base + "/" + properties.getProperty("quarkus.smallrye-health.readiness-path", "ready"));
            health.add(base + "/" + properties.getProperty("quarkus.smallrye-health.startup-path", "started"));
        }

        // The configuration it knows: the keys of application.properties (any profile) and of its README's
        // configuration table, as environment variables (Quarkus: upper case, every other character '_'),
        // and the environment variable names its README and the root README spell out.
        Set<String> names = new TreeSet<>();
        for (String key : properties.stringPropertyNames()) {
            names.add(environmentName(key.replaceFirst("^%[^.]+\\.", "")));
        }
        String readme = readString(module.resolve("README.md"));
        Matcher keys = BACKTICKED_KEY.matcher(readme);
        while (keys.find()) {
            names.add(environmentName(keys.group(1)));
        }
        for (String text : new String[] {readme, readString(root.resolve("README.md"))}) {
            Matcher env = ENV_NAME.matcher(text);
            while (env.find()) {
                names.add(env.group(1));
            }
        }
        return new ServiceFacts(service, port, health, names, module.resolve("src/main/docker/Dockerfile.jvm"));
    }

    /** Quarkus' mapping of a property name to an environment variable. */
    static String environmentName(String key) {
        return key.replaceAll("[^a-zA-Z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** The port the Dockerfile EXPOSEs. */
    int exposedPort() {
        Matcher matcher = Pattern.compile("(?m)^EXPOSE\\s+(\\d+)").matcher(readString(dockerfile));
        if (!matcher.find()) {
            throw new AssertionError(dockerfile + " has no EXPOSE");
        }
        return Integer.parseInt(matcher.group(1));
    }

    private static String strip(String path) {
        return path.replaceAll("^/+|/+$", "");
    }

    static Properties load(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** token-service's public paths: the string literals of AccessPolicy.PUBLIC. */
    static Set<String> tokenServicePublicPaths(Path root) {
        String source = readString(root.resolve("token-service/src/main/java/dev/enclave/token/rest/AccessPolicy.java"));
        Matcher statement = Pattern.compile("PUBLIC\\s*=\\s*Set\\.of\\(([^;]*)\\);").matcher(source);
        if (!statement.find()) {
            throw new AssertionError("AccessPolicy.PUBLIC = Set.of(...) not found");
        }
        Set<String> paths = new TreeSet<>();
        Matcher literal = Pattern.compile("\"([^\"]+)\"").matcher(statement.group(1));
        while (literal.find()) {
            paths.add(literal.group(1));
        }
        return paths;
    }
}
