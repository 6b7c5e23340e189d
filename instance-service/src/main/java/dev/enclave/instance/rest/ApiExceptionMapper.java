package dev.enclave.instance.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.enclave.instance.client.TokenServiceClient;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.RollbackException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
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

    /**
     * A JSON value of the wrong type ({@code {"admin": {}}}): named on its own, since the framework
     * has a mapper of exactly this exception (a bare 400); the answer names the field.
     */
    @ServerExceptionMapper
    public Response map(MismatchedInputException e) {
        String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName()
                : "[" + r.getIndex() + "]").collect(java.util.stream.Collectors.joining(".")).replace(".[", "[");
        return map(ApiException.badRequest("Request body is not valid JSON: "
                + (field.isEmpty() ? "" : field + ": ") + e.getOriginalMessage()));
    }

    /**
     * The framework's own refusals, before any endpoint runs, answered as GitLab's API (Grape) answers
     * them, with {@code X-GitLab-Error-Origin}: an unknown route 404 {@code {"error": "404 Not Found"}}
     * (GitLab's catch-all route, answered with or without a token), a known route with another method
     * 405 {@code {"error": "405 Not Allowed"}} (with {@code Allow} when the framework names the methods), a body of a media type the endpoint
     * does not read 415 {@code {"error": "The provided content-type 'text/plain' is not supported."}}.
     * The JSON reader's syntax errors and numbers too large (a bare 400) say what is wrong. Any other
     * bodiless refusal gets {@code {"error": "<status> <reason>"}}.
     */
    @ServerExceptionMapper
    public Response map(WebApplicationException e, HttpHeaders request) {
        if (e.getCause() instanceof MismatchedInputException mismatch) {
            return map(mismatch);
        }
        if (e.getCause() instanceof JsonProcessingException json) {
            return map(json);
        }
        Response original = e.getResponse();
        if (original.hasEntity() || original.getStatus() < 400) {
            return original;
        }
        int status = original.getStatus();
        String error = switch (status) {
            case 404 -> "404 Not Found";
            case 405 -> "405 Not Allowed";
            case 415 -> "The provided content-type '" + mediaType(request) + "' is not supported.";
            default -> {
                Response.Status known = Response.Status.fromStatusCode(status);
                yield known == null ? String.valueOf(status) : status + " " + known.getReasonPhrase();
            }
        };
        Response.ResponseBuilder response = Response.status(status).type(MediaType.APPLICATION_JSON)
                .header(ERROR_ORIGIN, "monolith").entity(java.util.Map.of("error", error));
        String allow = original.getHeaderString(HttpHeaders.ALLOW);
        if (allow != null) {
            response.header(HttpHeaders.ALLOW, allow);
        }
        return response.build();
    }

    /**
     * A path no endpoint has: named on its own, since the framework looks for a mapper of exactly
     * this exception before it routes an unknown path to one.
     */
    @ServerExceptionMapper
    public Response map(NotFoundException e, HttpHeaders request) {
        return map((WebApplicationException) e, request);
    }

    private static String mediaType(HttpHeaders request) {
        MediaType type = request == null ? null : request.getMediaType();
        return type == null ? "" : type.getType() + "/" + type.getSubtype();
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
