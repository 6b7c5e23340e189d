package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.persistence.PersistenceException;
import jakarta.ws.rs.WebApplicationException;
import org.hibernate.exception.ConstraintViolationException;
import org.hibernate.exception.DataException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

public class OAuthExceptionMapper {

    private static final Logger LOG = Logger.getLogger(OAuthExceptionMapper.class);

    public record OAuthErrorBody(String error, @JsonProperty("error_description") String errorDescription) {
    }

    /** A body that is not JSON, or a number beyond its field's type: say so instead of a bare 400. */
    @ServerExceptionMapper
    public Response map(JsonProcessingException e) {
        return map(OAuthException.invalidRequest("Request body is not valid JSON: " + e.getOriginalMessage()));
    }

    /** A JSON value of the wrong type (Quarkus' own mapper would answer without an OAuth body). */
    @ServerExceptionMapper
    public Response map(MismatchedInputException e) {
        return map((JsonProcessingException) e);
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
     * A form or query string with an escape that does not decode ({@code %zz}) fails in the
     * framework, before any resource, as an IllegalArgumentException: 400, not 500.
     */
    @ServerExceptionMapper
    public Response map(IllegalArgumentException e) {
        if (e.getMessage() != null && (e.getMessage().startsWith("Failed to decode")
                || e.getMessage().startsWith("URLDecoder:"))) {
            return map(OAuthException.invalidRequest("The form or query string has a malformed %-escape"));
        }
        LOG.error("Request failed", e);
        return map(new OAuthException(Response.Status.INTERNAL_SERVER_ERROR, "server_error",
                "The request failed at token-service; see its log"));
    }

    /**
     * A write the database refused. The services lock what they check before writing, so this is
     * a concurrent request that got there first (409), or a value too long for its column (400,
     * a backstop: lengths are checked against the schema first); anything else stays a 500.
     */
    @ServerExceptionMapper
    public Response map(PersistenceException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConstraintViolationException violation) {
                LOG.infof("Write refused by constraint %s (%s): answered 409", violation.getConstraintName(),
                        violation.getKind());
                return map(OAuthException.conflict("A concurrent request changed the same record; try again"));
            }
            if (t instanceof DataException) {
                LOG.warnf("A value did not fit its column: %s", t.getMessage());
                return map(OAuthException.invalidRequest("A value is too long or out of range for its field"));
            }
        }
        LOG.error("Database failure", e);
        return map(new OAuthException(Response.Status.INTERNAL_SERVER_ERROR, "server_error",
                "The request failed at token-service; see its log"));
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
