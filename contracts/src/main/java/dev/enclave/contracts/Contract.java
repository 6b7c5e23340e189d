package dev.enclave.contracts;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * One interaction between two services, as its consumer expects it: the request the consumer sends
 * and the answer it relies on, with example values. Both sides' builds check it (see the module's
 * README): a field renamed on either side fails one of them.
 *
 * @param file        where it was read from, for messages
 * @param consumer    the calling service
 * @param provider    the called service
 * @param interaction a short name, unique per provider
 * @param state       what must be true at the provider before the request (its test sets it up)
 * @param request     what the consumer sends
 * @param response    what the provider answers
 */
public record Contract(String file, String consumer, String provider, String interaction, String state,
                       Request request, Response response) {

    /**
     * @param method  HTTP method
     * @param path    path with query string; {@code {{name}}} placeholders are provider-state values
     * @param headers required headers: exact values, {@code regex:...}, or placeholders
     * @param body    a JSON body (example values; matched by shape), or null
     * @param form    a form body ({@code application/x-www-form-urlencoded}), or null
     */
    public record Request(String method, String path, Map<String, String> headers, JsonNode body,
                          Map<String, String> form) {
    }

    /**
     * @param status   the status code
     * @param headers  required headers (as for the request)
     * @param body     example JSON answer, matched by shape; null when the body does not matter
     * @param matchers extra rules by field path ({@code a.b}, {@code list[].c}): {@code regex:...}
     *                 the value must match
     * @param jwt      when a field of the answer is a JWT the consumer reads: what its header and
     *                 claims must hold, or null
     * @param ndjson   for a streamed answer of JSON lines (NDJSON): example events, each of which some
     *                 line of the answer must match by shape; null otherwise
     * @param text     for an answer of plain text (a raw text stream): an example, the answer must not
     *                 be empty; null otherwise
     * @param headerExamples what a consumer's stub answers for a {@code regex:} header whose literal
     *                 start is not an example of it (a {@code Retry-After} of {@code regex:[1-9][0-9]*});
     *                 each must match its header's rule
     */
    public record Response(int status, Map<String, String> headers, JsonNode body, Map<String, String> matchers,
                           Jwt jwt, java.util.List<JsonNode> ndjson, String text, Map<String, String> headerExamples) {

        public Response(int status, Map<String, String> headers, JsonNode body, Map<String, String> matchers, Jwt jwt) {
            this(status, headers, body, matchers, jwt, null, null);
        }

        public Response(int status, Map<String, String> headers, JsonNode body, Map<String, String> matchers, Jwt jwt,
                        java.util.List<JsonNode> ndjson, String text) {
            this(status, headers, body, matchers, jwt, ndjson, text, Map.of());
        }

        /**
         * The value a consumer's stub answers for header {@code name}: its example, an exact rule's
         * value, or a {@code regex:} rule's literal start (e.g. {@code application/json}).
         */
        public String headerExample(String name) {
            if (headerExamples.containsKey(name)) {
                return headerExamples.get(name);
            }
            String rule = headers.get(name);
            return rule.startsWith("regex:") ? rule.substring(6).replaceAll("[.]\\*$", "").replace("\\", "") : rule;
        }
    }

    /**
     * A JWT inside the answer.
     *
     * @param at     the field of the answer body that holds it
     * @param header example header, matched by shape
     * @param claims example claims, matched by shape (the consumer's tests build their tokens from them)
     * @param values header fields and claims that must have exactly this value (for an array claim:
     *               contain it)
     */
    public record Jwt(String at, JsonNode header, JsonNode claims, Map<String, String> values) {
    }

    @Override
    public String toString() {
        return consumer + " -> " + provider + ": " + interaction + " (" + file + ")";
    }
}
