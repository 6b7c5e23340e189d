package dev.enclave.instance.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.instance.client.TokenServiceProxy;
import dev.enclave.instance.security.CurrentUser;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GitLab's {@code /api/v4/applications} (admin only): OAuth applications live in token-service;
 * this is their public face. Only here can an application declare the dynamic scope
 * {@code user:*}. The secret is in the creation answer and nowhere else.
 */
@Path("/api/v4/applications")
public class ApplicationsResource {

    private final TokenServiceProxy tokenService;
    private final CurrentUser currentUser;
    private final ObjectMapper json;

    public ApplicationsResource(TokenServiceProxy tokenService, CurrentUser currentUser, ObjectMapper json) {
        this.tokenService = tokenService;
        this.currentUser = currentUser;
        this.json = json;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response createFromJson(byte[] body) {
        currentUser.requireAdmin();
        return relay(tokenService.internal("POST", "/internal/v1/applications", MediaType.APPLICATION_JSON, body));
    }

    /** GitLab's API takes form parameters too. */
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response createFromForm(MultivaluedMap<String, String> form) throws IOException {
        currentUser.requireAdmin();
        Map<String, Object> body = new LinkedHashMap<>();
        form.forEach((name, values) -> body.put(name, "confidential".equals(name)
                ? Boolean.valueOf(values.get(0)) : values.get(0)));
        return relay(tokenService.internal("POST", "/internal/v1/applications", MediaType.APPLICATION_JSON,
                json.writeValueAsBytes(body)));
    }

    @GET
    public Response list() {
        currentUser.requireAdmin();
        return relay(tokenService.internal("GET", "/internal/v1/applications", null, null));
    }

    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") String id) {
        currentUser.requireAdmin();
        return relay(tokenService.internal("DELETE", "/internal/v1/applications/"
                + URLEncoder.encode(id, StandardCharsets.UTF_8), null, null));
    }

    private static Response relay(TokenServiceProxy.Answer answer) {
        Response.ResponseBuilder response = Response.status(answer.status()).entity(answer.body());
        answer.headers().forEach(response::header);
        return response.build();
    }
}
