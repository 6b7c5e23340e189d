package dev.enclave.adapter.egress;

import java.util.Locale;
import java.util.Map;

/**
 * A model server's complete answer.
 *
 * @param headers first value of each header, keyed by lower-case name
 */
public record ModelHttpResponse(int status, Map<String, String> headers, String body) {

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }
}
