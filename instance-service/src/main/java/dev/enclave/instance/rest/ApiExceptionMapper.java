package dev.enclave.instance.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.enclave.instance.client.TokenServiceClient;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

public class ApiExceptionMapper {

    public static final String ERROR_ORIGIN = "X-GitLab-Error-Origin";

    @ServerExceptionMapper
    public Response map(ApiException e) {
        Response.ResponseBuilder response = Response.status(e.status()).type(MediaType.APPLICATION_JSON)
                .header(ERROR_ORIGIN, "monolith").entity(e.body());
        if (e.retryAfter() != null) {
            response.header("Retry-After", e.retryAfter());
        }
        return response.build();
    }

    /** token-service unreachable or refusing the instance itself: the caller can only retry later. */
    @ServerExceptionMapper
    public Response map(TokenServiceClient.TokenServiceException e) {
        return map(ApiException.unavailable(e.getMessage()));
    }

    /** Malformed JSON bodies: say so instead of a bare 400. */
    @ServerExceptionMapper
    public Response map(JsonProcessingException e) {
        return map(ApiException.badRequest("Request body is not valid JSON: " + e.getOriginalMessage()));
    }
}
