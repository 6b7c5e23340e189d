package dev.enclave.adapter.provider;

import java.util.Map;

/**
 * A provider's HTTP request, ready to send.
 *
 * @param pathAndQuery absolute path on the model server, with the query when the provider needs one
 * @param headers      request headers, credentials included: never log them
 */
public record ProviderCall(String pathAndQuery, Map<String, String> headers, byte[] body) {

    @Override
    public String toString() {
        return "ProviderCall[" + pathAndQuery + "]";
    }

    static ModelCallException invalid(String message) {
        return new ModelCallException(ModelCallException.Kind.INVALID_REQUEST, null, message);
    }
}
