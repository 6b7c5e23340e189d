package dev.enclave.gateway.client;

import io.quarkus.oidc.client.filter.OidcClientFilter;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * model-adapter's internal API. Every call carries a client-credentials access token from
 * token-service for model-adapter ({@code quarkus.oidc-client.*}), acquired on first use and
 * re-acquired shortly before it expires.
 */
@RegisterRestClient(configKey = "model-adapter")
@OidcClientFilter
@Path("/v1")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
interface ModelAdapterApi {

    @POST
    @Path("/completions")
    AdapterWire.GenerateResponse complete(@HeaderParam("X-Request-ID") String requestId,
                                          AdapterWire.GenerateRequest request);

    @POST
    @Path("/chat/completions")
    AdapterWire.GenerateResponse chat(@HeaderParam("X-Request-ID") String requestId,
                                      AdapterWire.GenerateRequest request);

    /** The same call, for callers that give up after a deadline (cancelling the call closes its connection). */
    @POST
    @Path("/completions")
    Uni<AdapterWire.GenerateResponse> completeAsync(@HeaderParam("X-Request-ID") String requestId,
                                                    AdapterWire.GenerateRequest request);

    @POST
    @Path("/chat/completions")
    Uni<AdapterWire.GenerateResponse> chatAsync(@HeaderParam("X-Request-ID") String requestId,
                                                AdapterWire.GenerateRequest request);
}
