package dev.enclave.simulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code GET /__simulator/requests} and {@code DELETE /__simulator/requests}: the {@link RequestLog}
 * over HTTP, for black-box tests that run the simulator in another process and need to see exactly
 * what reached the model. Secrets never leave the simulator: credential headers are shown as a
 * fingerprint ({@link #fingerprint}), and credential fields of a form body as {@code "<redacted>"}.
 */
final class RecordedRequestsHandler {

    /** Headers whose value is a credential: shown as {@code [<scheme> ]sha256:<16 hex>}, never in clear. */
    static final Set<String> SECRET_HEADERS = Set.of(
            "authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key",
            "x-amz-security-token", "cookie");
    /** Form fields (OAuth token requests) that are credentials. */
    static final Set<String> SECRET_FORM_FIELDS = Set.of(
            "assertion", "client_secret", "refresh_token", "password", "code");
    static final String REDACTED = "<redacted>";
    private static final String FORM = "application/x-www-form-urlencoded";

    private final RequestLog log;

    RecordedRequestsHandler(RequestLog log) {
        this.log = log;
    }

    /** The recorded requests, oldest first, as a JSON array. */
    void list(HttpExchange exchange, String body) throws IOException {
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (RecordedRequest request : log.snapshot()) {
            list.add(render(request));
        }
        HttpIo.sendJson(exchange, 200, list);
    }

    void clear(HttpExchange exchange, String body) throws IOException {
        log.clear();
        HttpIo.sendNoContent(exchange);
    }

    static ObjectNode render(RecordedRequest request) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("method", request.method());
        node.put("path", request.path());
        node.put("query", request.query());
        ObjectNode headers = node.putObject("headers");
        new TreeMap<>(request.headers()).forEach((name, values) -> {
            ArrayNode shown = headers.putArray(name);
            for (String value : values) {
                shown.add(SECRET_HEADERS.contains(name) ? fingerprint(value) : value);
            }
        });
        String contentType = request.header("content-type");
        if (request.json() != null) {
            node.set("body", request.json());
        } else if (request.body().isEmpty()) {
            node.putNull("body");
        } else if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(FORM)) {
            node.put("body", redactForm(request.body()));
        } else {
            node.put("body", request.body());
        }
        node.put("body_is_json", request.json() != null);
        return node;
    }

    /**
     * A credential header's value made safe to show: an authentication scheme ({@code Bearer},
     * {@code Basic}, {@code AWS4-HMAC-SHA256}) stays, the credential after it becomes
     * {@code sha256:} and the first 16 hex digits of the SHA-256 of its UTF-8 bytes, so a test can
     * check which key was sent without the key being shown.
     */
    static String fingerprint(String value) {
        int space = value.indexOf(' ');
        boolean scheme = space > 0 && value.substring(0, space).matches("[A-Za-z0-9-]+") && space < value.length() - 1;
        String credential = scheme ? value.substring(space + 1) : value;
        return (scheme ? value.substring(0, space) + " " : "") + "sha256:" + sha256Prefix(credential);
    }

    static String sha256Prefix(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** A form body with the values of {@link #SECRET_FORM_FIELDS} replaced by {@link #REDACTED}. */
    static String redactForm(String body) {
        List<String> pairs = new ArrayList<>();
        for (String pair : body.split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = formName(eq < 0 ? pair : pair.substring(0, eq));
            pairs.add(eq >= 0 && SECRET_FORM_FIELDS.contains(name)
                    ? pair.substring(0, eq + 1) + URLEncoder.encode(REDACTED, StandardCharsets.UTF_8)
                    : pair);
        }
        return String.join("&", pairs);
    }

    private static String formName(String encoded) {
        try {
            return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return encoded;
        }
    }
}
