package dev.enclave.instance.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.enclave.instance.client.TokenServiceClient;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.RollbackException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

public class ApiExceptionMapper {

    private static final Logger LOG = Logger.getLogger(ApiExceptionMapper.class);

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

    /**
     * A write the database refused (a unique key taken by a concurrent request, a value too long):
     * 4xx naming the conflict. Anything else from the persistence layer stays a 500, in GitLab's shape.
     */
    @ServerExceptionMapper
    public Response map(PersistenceException e) {
        ApiException answer = PersistenceFailures.answer(e);
        if (answer == null) {
            LOG.error("Database failure", e);
            return map(ApiException.of(500, "500 Internal Server Error"));
        }
        return map(answer);
    }

    /** The same, when the database refuses at commit. */
    @ServerExceptionMapper
    public Response map(RollbackException e) {
        ApiException answer = PersistenceFailures.answer(e);
        if (answer == null) {
            LOG.error("Transaction rolled back at commit", e);
            return map(ApiException.of(500, "500 Internal Server Error"));
        }
        return map(answer);
    }

    /** Malformed JSON bodies: say so instead of a bare 400. */
    @ServerExceptionMapper
    public Response map(JsonProcessingException e) {
        return map(ApiException.badRequest("Request body is not valid JSON: " + e.getOriginalMessage()));
    }

    /** The JSON reader reports a syntax error or a number too large as a bare 400: give it a body. */
    @ServerExceptionMapper
    public Response map(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException json) {
            return map(json);
        }
        return e.getResponse();
    }

    /**
     * A query string or form with an escape that does not decode ({@code ?page=%zz}) fails in the
     * framework, before any resource, as an IllegalArgumentException: 400, not 500.
     */
    @ServerExceptionMapper
    public Response map(IllegalArgumentException e) {
        if (e.getMessage() != null && (e.getMessage().startsWith("Failed to decode")
                || e.getMessage().startsWith("URLDecoder:"))) {
            return map(ApiException.badRequest("The query string or form has a malformed %-escape"));
        }
        LOG.error("Request failed", e);
        return map(ApiException.of(500, "500 Internal Server Error"));
    }
}
