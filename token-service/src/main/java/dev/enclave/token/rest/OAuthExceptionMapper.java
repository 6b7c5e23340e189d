package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

public class OAuthExceptionMapper {

    public record OAuthErrorBody(String error, @JsonProperty("error_description") String errorDescription) {
    }

    @ServerExceptionMapper
    public Response map(OAuthException e) {
        Response.ResponseBuilder response = Response.status(e.status())
                .type(MediaType.APPLICATION_JSON)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .entity(new OAuthErrorBody(e.error(), e.getMessage()));
        if (e.status() == Response.Status.UNAUTHORIZED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"token-service\"");
        }
        if (e.retryAfterSeconds() != null) {
            response.header(HttpHeaders.RETRY_AFTER, e.retryAfterSeconds());
        }
        return response.build();
    }
}
