package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request the simulator received on a {@code /v1/*} path.
 *
 * @param method  HTTP method, e.g. {@code POST}
 * @param path    request path without the query string, e.g. {@code /v1/completions}
 * @param headers request headers keyed by lower-case name, in arrival order per name
 * @param body    raw request body as UTF-8 text ({@code ""} when there was none)
 * @param json    the body parsed as JSON, or {@code null} when it is empty or not valid JSON
 */
public record RecordedRequest(
        String method, String path, Map<String, List<String>> headers, String body, JsonNode json) {

    /** First value of the header (name matched case-insensitively), or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
