package dev.enclave.contracts;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Checks both sides of a {@link Contract}. */
public final class ContractVerifier {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    private ContractVerifier() {
    }

    /**
     * Provider side: sends the contract's request to the real provider at {@code base}, with the
     * provider state's values in place of the {@code {{placeholders}}}, and describes how the answer
     * differs from the contract (empty: it honours it).
     */
    public static List<String> verifyProvider(Contract contract, URI base, Map<String, String> values)
            throws IOException, InterruptedException {
        Contract.Request request = contract.request();
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(fill(request.path(), values)))
                .timeout(Duration.ofSeconds(30));
        request.headers().forEach((name, value) -> {
            if (!value.startsWith("regex:")) {
                builder.header(name, fill(value, values));
            }
        });
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
        if (request.body() != null) {
            // optional fields are sent too: the provider must read the fullest request a consumer sends
            body = HttpRequest.BodyPublishers.ofString(fill(stripOptionalMarks(request.body()).toString(), values));
            if (!request.headers().containsKey("Content-Type") || request.headers().get("Content-Type").startsWith("regex:")) {
                builder.header("Content-Type", "application/json");
            }
        } else if (request.form() != null) {
            body = HttpRequest.BodyPublishers.ofString(request.form().entrySet().stream()
                    .map(e -> enc(e.getKey()) + "=" + enc(fill(e.getValue(), values))).collect(Collectors.joining("&")));
            if (!request.headers().containsKey("Content-Type") || request.headers().get("Content-Type").startsWith("regex:")) {
                builder.header("Content-Type", "application/x-www-form-urlencoded");
            }
        }
        HttpResponse<String> response = HTTP.send(builder.method(request.method(), body).build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> out = new ArrayList<>();
        Contract.Response expected = contract.response();
        if (response.statusCode() != expected.status()) {
            out.add("status: expected " + expected.status() + ", got " + response.statusCode() + " " + abbreviate(response.body()));
            return out;
        }
        expected.headers().forEach((name, rule) -> {
            String actual = response.headers().firstValue(name).orElse(null);
            if (!Shapes.valueMatches(fill(rule, values), actual)) {
                out.add("header " + name + ": expected " + rule + ", got " + actual);
            }
        });
        if (expected.ndjson() != null) {
            out.addAll(ndjsonMismatches(expected.ndjson(), response.body(), expected.matchers()));
        } else if (expected.text() != null) {
            if (response.body() == null || response.body().isEmpty()) {
                out.add("the body is empty, where the contract's example has text");
            }
        } else if (expected.body() != null) {
            JsonNode actual;
            try {
                actual = Contracts.JSON.readTree(response.body());
            } catch (IOException e) {
                out.add("the body is not JSON: " + abbreviate(response.body()));
                return out;
            }
            out.addAll(Shapes.mismatches(expected.body(), actual, true, expected.matchers()));
            if (expected.jwt() != null) {
                out.addAll(jwtMismatches(expected.jwt(), actual.path(expected.jwt().at()).asText()));
            }
        }
        return out;
    }

    /**
     * How an NDJSON answer differs from the example events: every line must be a JSON value, and each
     * example event must be matched by shape (extra fields allowed) by some line of the answer. An
     * event the provider renamed a field of, or no longer sends, is one no line matches.
     */
    public static List<String> ndjsonMismatches(List<JsonNode> examples, String body, Map<String, String> matchers) {
        List<String> out = new ArrayList<>();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : (body == null ? "" : body).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                lines.add(Contracts.JSON.readTree(line));
            } catch (IOException e) {
                out.add("a line of the NDJSON answer is not JSON: " + abbreviate(line));
                return out;
            }
        }
        for (JsonNode example : examples) {
            if (lines.stream().noneMatch(line -> Shapes.mismatches(example, line, true, matchers).isEmpty())) {
                String closest = lines.isEmpty() ? "the answer has no lines"
                        : "the lines differ: " + String.join("; ", lines.stream()
                        .map(line -> String.join(", ", Shapes.mismatches(example, line, true, matchers))).distinct().toList());
                out.add("no line of the NDJSON answer matches the example event " + example + " (" + closest + ")");
            }
        }
        return out;
    }

    /** How a compact JWT differs from the contract's header and claims. */
    public static List<String> jwtMismatches(Contract.Jwt expected, String compact) {
        List<String> out = new ArrayList<>();
        String[] parts = compact.split("\\.");
        if (parts.length != 3) {
            out.add(expected.at() + ": not a compact JWS");
            return out;
        }
        JsonNode header;
        JsonNode claims;
        try {
            header = Contracts.JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[0]));
            claims = Contracts.JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[1]));
        } catch (IOException | IllegalArgumentException e) {
            out.add(expected.at() + ": header or claims are not base64url JSON");
            return out;
        }
        Shapes.mismatches(expected.header(), header, true, Map.of()).forEach(m -> out.add("JWT header " + m));
        Shapes.mismatches(expected.claims(), claims, true, Map.of()).forEach(m -> out.add("JWT claim " + m));
        expected.values().forEach((name, value) -> {
            JsonNode actual = expected.header().has(name) ? header.get(name) : claims.get(name);
            boolean ok = actual != null && (actual.isArray()
                    ? java.util.stream.StreamSupport.stream(actual.spliterator(), false).anyMatch(v -> value.equals(v.asText()))
                    : value.equals(actual.asText()));
            if (!ok) {
                out.add("JWT " + name + ": expected " + value + ", got " + actual);
            }
        });
        return out;
    }

    /**
     * Consumer side: how a request the consumer's real client sent (as a stub recorded it) differs
     * from the contract's request (empty: it is what the provider was verified against).
     *
     * @param header the request's header values by name (case-insensitive lookup is the caller's)
     */
    public static List<String> verifyConsumerRequest(Contract contract, String method, String pathAndQuery,
                                                     Function<String, String> header, String body) {
        Contract.Request expected = contract.request();
        List<String> out = new ArrayList<>();
        if (!expected.method().equalsIgnoreCase(method)) {
            out.add("method: expected " + expected.method() + ", got " + method);
        }
        String expectedPath = expected.path().contains("?") ? expected.path().substring(0, expected.path().indexOf('?')) : expected.path();
        String actualPath = pathAndQuery.contains("?") ? pathAndQuery.substring(0, pathAndQuery.indexOf('?')) : pathAndQuery;
        if (!Shapes.valueMatches(expectedPath, actualPath)) {
            out.add("path: expected " + expectedPath + ", got " + actualPath);
        }
        Map<String, String> expectedQuery = query(expected.path());
        Map<String, String> actualQuery = query(pathAndQuery);
        expectedQuery.forEach((name, rule) -> {
            if (!Shapes.valueMatches(rule, actualQuery.get(name))) {
                out.add("query parameter " + name + ": expected " + rule + ", got " + actualQuery.get(name));
            }
        });
        actualQuery.keySet().stream().filter(name -> !expectedQuery.containsKey(name))
                .forEach(name -> out.add("query parameter " + name + ": not in the contract"));
        expected.headers().forEach((name, rule) -> {
            if (!Shapes.valueMatches(rule, header.apply(name))) {
                out.add("header " + name + ": expected " + rule + ", got " + header.apply(name));
            }
        });
        if (expected.body() != null) {
            try {
                out.addAll(Shapes.mismatches(expected.body(), Contracts.JSON.readTree(body), false, Map.of()));
            } catch (IOException | RuntimeException e) {
                out.add("the body is not JSON: " + abbreviate(body));
            }
        } else if (expected.form() != null) {
            Map<String, String> form = parameters(body == null ? "" : body);
            expected.form().forEach((name, rule) -> {
                if (!Shapes.valueMatches(rule, form.get(name))) {
                    out.add("form field " + name + ": expected " + rule + ", got " + form.get(name));
                }
            });
            form.keySet().stream().filter(name -> !expected.form().containsKey(name))
                    .forEach(name -> out.add("form field " + name + ": not in the contract"));
        }
        return out;
    }

    /** The contract's example answer body as text, for a consumer's stub. */
    public static String exampleResponseBody(Contract contract) {
        if (contract.response().ndjson() != null) {
            StringBuilder lines = new StringBuilder();
            contract.response().ndjson().forEach(event -> lines.append(stripOptionalMarks(event)).append('\n'));
            return lines.toString();
        }
        if (contract.response().text() != null) {
            return contract.response().text();
        }
        JsonNode body = contract.response().body();
        return body == null ? "" : stripOptionalMarks(body).toString();
    }

    /**
     * The example answer with its {@code {{placeholders}}} filled: for a consumer's fake that must
     * answer with this test's values (its issuer, its signing key) in the contract's fields. A
     * placeholder without a value is an error.
     */
    public static String exampleResponseBody(Contract contract, Map<String, String> values) {
        return fill(exampleResponseBody(contract), values);
    }

    private static JsonNode stripOptionalMarks(JsonNode node) {
        if (node.isObject()) {
            com.fasterxml.jackson.databind.node.ObjectNode copy = Contracts.JSON.createObjectNode();
            node.properties().forEach(e -> copy.set(e.getKey().endsWith("?")
                    ? e.getKey().substring(0, e.getKey().length() - 1) : e.getKey(), stripOptionalMarks(e.getValue())));
            return copy;
        }
        if (node.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode copy = Contracts.JSON.createArrayNode();
            node.forEach(element -> copy.add(stripOptionalMarks(element)));
            return copy;
        }
        return node;
    }

    static String fill(String text, Map<String, String> values) {
        String out = text;
        for (Map.Entry<String, String> value : values.entrySet()) {
            out = out.replace("{{" + value.getKey() + "}}", value.getValue());
        }
        if (out.contains("{{")) {
            throw new IllegalStateException("the provider state set no value for a placeholder in: " + text);
        }
        return out;
    }

    private static Map<String, String> query(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? Map.of() : parameters(pathAndQuery.substring(q + 1));
    }

    private static Map<String, String> parameters(String encoded) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            map.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return map;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
