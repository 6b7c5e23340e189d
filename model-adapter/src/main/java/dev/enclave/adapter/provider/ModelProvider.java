package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.adapter.egress.ModelEndpoint;
import dev.enclave.adapter.egress.ModelHttpResponse;
import dev.enclave.adapter.rest.AdapterWire;
import dev.enclave.adapter.service.Deadline;
import dev.enclave.adapter.stream.StreamParser;
import io.smallrye.mutiny.Uni;

/**
 * One model provider's wire format: how a provider-neutral call becomes that provider's HTTP
 * request, and how its answers and errors read. Sending is not its business (see
 * {@link dev.enclave.adapter.egress.EgressHttpClient}). A streamed call ({@code stream: true}) asks
 * for the provider's own streaming API and reads its wire format with the provider's
 * {@link StreamParser}.
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

    /** The provider's HTTP request for the call with the answer streamed in the provider's own streaming format. */
    ProviderCall streamCall(AdapterWire.GenerateRequest request, ModelEndpoint endpoint);

    /**
     * The call with credentials that take a round trip to get (an OAuth access token bought with a
     * signed assertion). By default the call as it is: most providers put their key in
     * {@link #call} already.
     *
     * @param deadline the call's; getting the credentials counts against it
     */
    default Uni<ProviderCall> authorize(ProviderCall call, AdapterWire.GenerateRequest request, Deadline deadline) {
        return Uni.createFrom().item(call);
    }

    /**
     * The model server answered the call with an error status: a provider whose credentials came
     * from {@link #authorize} forgets them when the server no longer takes them. By default nothing.
     */
    default void refused(AdapterWire.GenerateRequest request, int status) {
    }

    /**
     * A parser for the body of a 2xx answer to {@link #streamCall}.
     *
     * @param maxBytes the longest line or frame accepted, so a stream cannot fill memory
     */
    StreamParser streamParser(AdapterWire.GenerateRequest request, StreamParser.Sink sink, int maxBytes);

    /** The answer in a 2xx body. */
    AdapterWire.GenerateResponse answer(JsonNode body, AdapterWire.GenerateRequest request)
            throws UnexpectedAnswerException;

    /** The reason the server gave for an error status, read from the provider's own error shape. */
    String errorReason(ModelHttpResponse response);
}
