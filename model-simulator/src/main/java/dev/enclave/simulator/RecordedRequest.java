package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request the simulator received on a path of its personality's API.
 *
 * @param method  HTTP method, e.g. {@code POST}
 * @param path    request path as it was on the wire (still percent-encoded), without the query
 *                string, e.g. {@code /v1/completions} or {@code /model/anthropic.claude-v2%3A1/converse}
 * @param query   the raw query string without {@code ?}, or {@code null} when there was none
 * @param headers request headers keyed by lower-case name, in arrival order per name
 * @param body    raw request body as UTF-8 text ({@code ""} when there was none)
 * @param json    the body parsed as JSON, or {@code null} when it is empty or not valid JSON
 */
public record RecordedRequest(
        String method, String path, String query, Map<String, List<String>> headers, String body, JsonNode json) {

    /** First value of the header (name matched case-insensitively), or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
