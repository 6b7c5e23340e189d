package dev.enclave.adapter.rest;

import dev.enclave.adapter.provider.ModelCallException;
import dev.enclave.adapter.service.ModelCallService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Internal API for ai-gateway: one model call, provider-neutral in and out. */
@Path("/v1")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class GenerateResource {

    private final ModelCallService models;

    public GenerateResource(ModelCallService models) {
        this.models = models;
    }

    @POST
    @Path("/completions")
    public AdapterWire.GenerateResponse completions(AdapterWire.GenerateRequest request) {
        return models.generate(request);
    }

    @POST
    @Path("/chat/completions")
    public AdapterWire.GenerateResponse chat(AdapterWire.GenerateRequest request) {
        return models.generate(request);
    }

    @ServerExceptionMapper
    public Response map(ModelCallException e) {
        int status = switch (e.kind()) {
            case INVALID_REQUEST -> 422;
            case EGRESS_DENIED -> 403;
            case MODEL_SERVER_ERROR, UNREACHABLE -> 502;
            case TIMEOUT -> 504;
        };
        String error = switch (e.kind()) {
            case INVALID_REQUEST -> "invalid_request";
            case EGRESS_DENIED -> "egress_denied";
            case MODEL_SERVER_ERROR -> "model_server_error";
            case UNREACHABLE -> "model_server_unreachable";
            case TIMEOUT -> "model_server_timeout";
        };
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(new AdapterWire.ErrorBody(error, e.getMessage(), e.modelStatus())).build();
    }
}
