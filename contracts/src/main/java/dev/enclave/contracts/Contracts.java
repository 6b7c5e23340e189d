package dev.enclave.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The contracts this module holds: {@code contracts/index.txt} lists the files under
 * {@code contracts/}, one per line (a test of this module checks that the list and the directory
 * agree, so a file cannot be forgotten).
 */
public final class Contracts {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Contract> ALL = load();

    private Contracts() {
    }

    public static List<Contract> all() {
        return ALL;
    }

    /** The contracts a service must honour as the provider. */
    public static List<Contract> forProvider(String provider) {
        return ALL.stream().filter(c -> c.provider().equals(provider)).toList();
    }

    /** One contract, by consumer, provider and interaction name. */
    public static Contract get(String consumer, String provider, String interaction) {
        return ALL.stream().filter(c -> c.consumer().equals(consumer) && c.provider().equals(provider)
                        && c.interaction().equals(interaction)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no contract " + consumer + " -> " + provider + ": "
                        + interaction + " (listed in contracts/index.txt?)"));
    }

    static List<String> index() {
        try (InputStream in = resource("contracts/index.txt")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Contract> load() {
        List<Contract> contracts = new ArrayList<>();
        for (String file : index()) {
            try (InputStream in = resource("contracts/" + file)) {
                contracts.add(parse(file, JSON.readTree(in)));
            } catch (IOException e) {
                throw new UncheckedIOException("contract " + file + " cannot be read", e);
            }
        }
        contracts.sort(Comparator.comparing(Contract::toString));
        return List.copyOf(contracts);
    }

    static Contract parse(String file, JsonNode node) {
        Contract contract = read(file, node);
        Contract.Response response = contract.response();
        response.headerExamples().keySet().stream().filter(name -> !response.headers().containsKey(name)).forEach(name -> {
            throw new IllegalStateException("contract " + file + ": headerExamples names " + name
                    + ", which is not one of the answer's headers");
        });
        response.headers().forEach((name, rule) -> {
            if (!Shapes.valueMatches(rule, response.headerExample(name))) {
                throw new IllegalStateException("contract " + file + ": a stub would answer header " + name + ": "
                        + response.headerExample(name) + ", which does not match " + rule
                        + " (give it an example in \"headerExamples\")");
            }
        });
        return contract;
    }

    private static Contract read(String file, JsonNode node) {
        JsonNode request = required(file, node, "request");
        JsonNode response = required(file, node, "response");
        return new Contract(file, text(file, node, "consumer"), text(file, node, "provider"),
                text(file, node, "interaction"), node.path("state").asText(""),
                new Contract.Request(text(file, request, "method"), text(file, request, "path"),
                        strings(request.path("headers")), nullable(request.get("body")),
                        request.has("form") ? strings(request.get("form")) : null),
                new Contract.Response(required(file, response, "status").asInt(), strings(response.path("headers")),
                        nullable(response.get("body")), strings(response.path("matchers")),
                        response.has("jwt") ? jwt(file, response.get("jwt")) : null,
                        response.has("ndjson") ? ndjson(file, response.get("ndjson")) : null,
                        response.has("text") ? response.get("text").asText() : null,
                        strings(response.path("headerExamples"))));
    }

    private static Contract.Jwt jwt(String file, JsonNode node) {
        return new Contract.Jwt(text(file, node, "at"), required(file, node, "header"), required(file, node, "claims"),
                strings(node.path("values")));
    }

    private static List<JsonNode> ndjson(String file, JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            throw new IllegalStateException("contract " + file + ": \"ndjson\" must be a non-empty array of example events");
        }
        List<JsonNode> events = new ArrayList<>();
        node.forEach(events::add);
        return List.copyOf(events);
    }

    private static JsonNode nullable(JsonNode node) {
        return node == null || node.isNull() ? null : node;
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> map = new LinkedHashMap<>();
        node.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    private static JsonNode required(String file, JsonNode node, String field) {
        return Optional.ofNullable(node.get(field))
                .orElseThrow(() -> new IllegalStateException("contract " + file + " has no \"" + field + "\""));
    }

    private static String text(String file, JsonNode node, String field) {
        return required(file, node, field).asText();
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = Contracts.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the classpath");
        }
        return in;
    }
}
