package dev.enclave.token.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.enclave.token.domain.OAuthApplication;
import dev.enclave.token.service.ApplicationRegistry;
import dev.enclave.token.service.InternalClientAuthenticator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * Internal API: OAuth applications, which instance-service registers for its admins
 * ({@code POST /api/v4/applications}). Answers in GitLab's shape.
 */
@Path("/internal/v1/applications")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class ApplicationResource {

    /** @param scopes space-separated, GitLab style; {@code user:*} only here */
    public record ApplicationRequest(String name, @JsonProperty("redirect_uri") String redirectUri, String scopes,
                                     Boolean confidential) {
    }

    /** @param secret present only in the answer to the creation */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ApplicationResponse(long id, @JsonProperty("application_id") String applicationId,
                                      @JsonProperty("application_name") String applicationName, String secret,
                                      @JsonProperty("callback_url") String callbackUrl, boolean confidential) {

        static ApplicationResponse of(OAuthApplication application, String secret) {
            return new ApplicationResponse(application.id, application.uid, application.name, secret,
                    application.redirectUri, application.confidential);
        }
    }

    private final InternalClientAuthenticator clients;
    private final ApplicationRegistry applications;

    public ApplicationResource(InternalClientAuthenticator clients, ApplicationRegistry applications) {
        this.clients = clients;
        this.applications = applications;
    }

    @POST
    public Response create(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, ApplicationRequest request) {
        clients.authenticate(authorization);
        if (request == null) {
            throw OAuthException.invalidRequest("Body required: {\"name\", \"redirect_uri\", \"scopes\", \"confidential\"}");
        }
        ApplicationRegistry.CreatedApplication created = applications.create(request.name(), request.redirectUri(),
                request.scopes(), request.confidential());
        return Response.status(Response.Status.CREATED)
                .header(HttpHeaders.CACHE_CONTROL, "no-store")
                .entity(ApplicationResponse.of(created.application(), created.secret()))
                .build();
    }

    @GET
    public List<ApplicationResponse> list(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        clients.authenticate(authorization);
        return applications.list().stream().map(a -> ApplicationResponse.of(a, null)).toList();
    }

    /** Not a number, or beyond 64 bits: no application has that id (the framework's 404 had no body). */
    private static long applicationId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw OAuthException.notFound("No OAuth application " + id);
        }
    }

    @DELETE
    @Path("{id}")
    public Response delete(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("id") String id) {
        clients.authenticate(authorization);
        applications.delete(applicationId(id));
        return Response.noContent().build();
    }
}
