package dev.enclave.instance.rest;

import dev.enclave.instance.client.TokenServiceProxy;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clients see one host, as with GitLab: {@code /oauth/*} and {@code /.well-known/*} are
 * token-service's, and the instance forwards them there (in Kubernetes the Ingress routes them
 * directly). The issuer URL of every token is this public host.
 */
@Path("/")
public class OAuthForwardingResource {

    private static final List<String> FORWARDED_REQUEST_HEADERS = List.of(HttpHeaders.AUTHORIZATION,
            HttpHeaders.CONTENT_TYPE, HttpHeaders.ACCEPT, "X-Request-ID");

    private final TokenServiceProxy tokenService;

    public OAuthForwardingResource(TokenServiceProxy tokenService) {
        this.tokenService = tokenService;
    }

    @GET
    @Path("{prefix: oauth|\\.well-known}/{rest: .+}")
    public Response get(@PathParam("prefix") String prefix, @PathParam("rest") String rest, @Context UriInfo uri,
                        @Context HttpHeaders headers) {
        return forward("GET", uri, headers, null);
    }

    @POST
    @Path("oauth/{rest: .+}")
    public Response post(@PathParam("rest") String rest, @Context UriInfo uri, @Context HttpHeaders headers,
                         byte[] body) {
        return forward("POST", uri, headers, body);
    }

    private Response forward(String method, UriInfo uri, HttpHeaders headers, byte[] body) {
        Map<String, String> forwarded = new LinkedHashMap<>();
        for (String name : FORWARDED_REQUEST_HEADERS) {
            String value = headers.getHeaderString(name);
            if (value != null) {
                forwarded.put(name, value);
            }
        }
        String query = uri.getRequestUri().getRawQuery();
        String pathAndQuery = uri.getRequestUri().getRawPath() + (query == null ? "" : "?" + query);
        TokenServiceProxy.Answer answer = tokenService.forward(method, pathAndQuery, forwarded, body);
        Response.ResponseBuilder response = Response.status(answer.status()).entity(answer.body());
        answer.headers().forEach(response::header);
        return response.build();
    }
}
