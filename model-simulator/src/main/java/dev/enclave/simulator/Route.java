package dev.enclave.simulator;

import com.sun.net.httpserver.HttpExchange;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One routed path. The template is matched segment by segment against the raw (still
 * percent-encoded) request path; a {@code {name}} segment matches any one non-empty segment and is
 * handed to the endpoint decoded, through {@link #param}.
 */
record Route(String method, String template, Endpoint endpoint, boolean inference) {

    private static final String PARAM_ATTRIBUTE = "dev.enclave.simulator.path.";

    /** @return the decoded path parameters, or null when the path does not match */
    Map<String, String> match(String rawPath) {
        String[] want = template.split("/", -1);
        String[] got = rawPath.split("/", -1);
        if (want.length != got.length) {
            return null;
        }
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < want.length; i++) {
            if (want[i].startsWith("{") && want[i].endsWith("}")) {
                if (got[i].isEmpty()) {
                    return null;
                }
                params.put(want[i].substring(1, want[i].length() - 1), decode(got[i]));
            } else if (!want[i].equals(got[i])) {
                return null;
            }
        }
        return params;
    }

    static void bind(HttpExchange exchange, Map<String, String> params) {
        params.forEach((name, value) -> exchange.setAttribute(PARAM_ATTRIBUTE + name, value));
    }

    static String param(HttpExchange exchange, String name) {
        return (String) exchange.getAttribute(PARAM_ATTRIBUTE + name);
    }

    /** Percent-decoding of a path segment, where (unlike in a form) {@code +} is a plus sign. */
    private static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
