package dev.enclave.gateway.client;

import io.quarkus.oidc.client.filter.OidcClientFilter;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.annotation.ClientHeaderParam;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * model-adapter's internal API, called without blocking a thread: cancelling a call (or a stream)
 * closes its connection. {@code X-Enclave-Timeout-Ms} gives model-adapter the time it has (the same
 * value as the body's {@code timeout_ms}). Every call carries a client-credentials access token from token-service
 * for model-adapter ({@code quarkus.oidc-client.*}), acquired on first use and re-acquired shortly
 * before it expires.
 */
@RegisterRestClient(configKey = "model-adapter")
@OidcClientFilter
@RegisterProvider(AdapterResponseTap.class)
@Path("/v1")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
interface ModelAdapterApi {

    String NDJSON = "application/x-ndjson";

    @POST
    @Path("/completions")
    Uni<AdapterWire.GenerateResponse> complete(@HeaderParam("X-Request-ID") String requestId,
                                               @HeaderParam(Deadline.HEADER) long timeoutMs,
                                               AdapterWire.GenerateRequest request);

    @POST
    @Path("/chat/completions")
    Uni<AdapterWire.GenerateResponse> chat(@HeaderParam("X-Request-ID") String requestId,
                                           @HeaderParam(Deadline.HEADER) long timeoutMs,
                                           AdapterWire.GenerateRequest request);

    /**
     * {@code stream: true}: one event per NDJSON line as it arrives. Errors before the stream
     * (a non-2xx answer) are JSON, hence both media types.
     * <p>
     * {@code Connection: close}: a streamed call gets a connection of its own, which is never handed
     * to another call. The REST client's {@code Multi} (Quarkus 3.33, {@code MultiInvoker}) closes
     * the call's connection when the stream <em>completes</em>, not only when it is cancelled, and it
     * does so from the response's end handler, which Vert.x runs after it has already put a
     * kept-alive connection back into the pool: under concurrent load that close hit the next call
     * that had taken the connection ("Connection was closed", a 503). With {@code Connection: close}
     * Vert.x never pools the connection, so the close can only reach the stream it belongs to.
     * Streams did not reuse connections before either (each was closed at its end), so this costs
     * nothing; JSON calls keep their kept-alive connections.
     */
    String CLOSE_AFTER_STREAM = "close";

    @POST
    @Path("/completions")
    @Produces({NDJSON, MediaType.APPLICATION_JSON})
    @ClientHeaderParam(name = "Connection", value = CLOSE_AFTER_STREAM)
    Multi<AdapterWire.StreamEvent> completeStream(@HeaderParam("X-Request-ID") String requestId,
                                                  @HeaderParam(Deadline.HEADER) long timeoutMs,
                                                  AdapterWire.StreamingCall call);

    @POST
    @Path("/chat/completions")
    @Produces({NDJSON, MediaType.APPLICATION_JSON})
    @ClientHeaderParam(name = "Connection", value = CLOSE_AFTER_STREAM)
    Multi<AdapterWire.StreamEvent> chatStream(@HeaderParam("X-Request-ID") String requestId,
                                              @HeaderParam(Deadline.HEADER) long timeoutMs,
                                              AdapterWire.StreamingCall call);
}
