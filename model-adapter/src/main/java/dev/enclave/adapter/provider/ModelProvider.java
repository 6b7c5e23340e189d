package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.egress.ModelHttpResponse;
import dev.enclave.adapter.rest.AdapterWire;

/**
 * One model provider's wire format: how a provider-neutral call becomes that provider's HTTP
 * request, and how its answers and errors read. Sending is not its business (see
 * {@link dev.enclave.adapter.egress.EgressHttpClient}), so a streaming variant can reuse the same
 * request building later.
 */
public interface ModelProvider {

    /** The {@code model.provider} value that selects this provider. */
    String name();

    /** Where the target's calls go: by default its endpoint URL as given. */
    default ModelEndpoint endpoint(AdapterWire.ModelTarget target) {
        if (target.endpoint() == null || target.endpoint().isBlank()) {
            throw ProviderCall.invalid("model.endpoint is required");
        }
        try {
            return ModelEndpoint.parse(target.endpoint());
        } catch (IllegalArgumentException e) {
            throw ProviderCall.invalid(e.getMessage());
        }
    }

    /** The provider's HTTP request for the call: absolute path, headers (credentials included) and body. */
    ProviderCall call(AdapterWire.GenerateRequest request, ModelEndpoint endpoint);

    /** The answer in a 2xx body. */
    AdapterWire.GenerateResponse answer(JsonNode body, AdapterWire.GenerateRequest request)
            throws UnexpectedAnswerException;

    /** The reason the server gave for an error status, read from the provider's own error shape. */
    String errorReason(ModelHttpResponse response);
}
