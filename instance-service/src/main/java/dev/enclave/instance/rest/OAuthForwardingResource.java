package dev.enclave.instance.rest;

import dev.enclave.instance.client.TokenServiceProxy;
import dev.enclave.instance.security.Anonymous;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Clients see one host, as with GitLab: token-service's public OAuth endpoints are forwarded there
 * (in Kubernetes the Ingress routes them directly). The issuer URL of every token is this public
 * host.
 *
 * <p>Only an exact list of paths is forwarded, each to the same fixed path at token-service:
 * discovery, the key set, {@code /oauth/token}, {@code /oauth/revoke} and {@code /oauth/introspect}.
 * Anything else under {@code /oauth} or {@code /.well-known} is a 404 here and never reaches
 * token-service, which also serves its {@code /internal/*} API: the caller's path (dot segments,
 * encoded slashes and all) is never passed on. The caller's address goes along as
 * {@code X-Forwarded-For} (replacing any the caller sent), so that token-service can throttle
 * client-authentication failures per real client.
 */
@Path("/")
@Anonymous
public class OAuthForwardingResource {

    private static final List<String> FORWARDED_REQUEST_HEADERS = List.of(HttpHeaders.AUTHORIZATION,
            HttpHeaders.CONTENT_TYPE, HttpHeaders.ACCEPT, "X-Request-ID");

    private final TokenServiceProxy tokenService;

    public OAuthForwardingResource(TokenServiceProxy tokenService) {
        this.tokenService = tokenService;
    }

    @GET
    @Path(".well-known/openid-configuration")
    public Response discovery(@Context UriInfo uri, @Context HttpHeaders headers, @Context HttpServerRequest request) {
        return forward("GET", "/.well-known/openid-configuration", uri, headers, request, null);
    }

    @GET
    @Path("oauth/discovery/keys")
    public Response keys(@Context UriInfo uri, @Context HttpHeaders headers, @Context HttpServerRequest request) {
        return forward("GET", "/oauth/discovery/keys", uri, headers, request, null);
    }

    @POST
    @Path("oauth/token")
    public Response token(@Context UriInfo uri, @Context HttpHeaders headers, @Context HttpServerRequest request,
                          byte[] body) {
        return forward("POST", "/oauth/token", uri, headers, request, body);
    }

    @POST
    @Path("oauth/revoke")
    public Response revoke(@Context UriInfo uri, @Context HttpHeaders headers, @Context HttpServerRequest request,
                           byte[] body) {
        return forward("POST", "/oauth/revoke", uri, headers, request, body);
    }

    @POST
    @Path("oauth/introspect")
    public Response introspect(@Context UriInfo uri, @Context HttpHeaders headers,
                               @Context HttpServerRequest request, byte[] body) {
        return forward("POST", "/oauth/introspect", uri, headers, request, body);
    }

    private Response forward(String method, String path, UriInfo uri, HttpHeaders headers, HttpServerRequest request,
                             byte[] body) {
        Map<String, String> forwarded = new LinkedHashMap<>();
        for (String name : FORWARDED_REQUEST_HEADERS) {
            String value = headers.getHeaderString(name);
            if (value != null) {
                forwarded.put(name, value);
            }
        }
        String caller = callerAddress(request);
        if (caller != null) {
            forwarded.put("X-Forwarded-For", caller);
        }
        String query = uri.getRequestUri().getRawQuery();
        TokenServiceProxy.Answer answer = tokenService.forward(method, path + (query == null ? "" : "?" + query),
                forwarded, body);
        Response.ResponseBuilder response = Response.status(answer.status()).entity(answer.body());
        answer.headers().forEach(response::header);
        return response.build();
    }

    private static String callerAddress(HttpServerRequest request) {
        SocketAddress remote = request == null ? null : request.remoteAddress();
        if (remote == null) {
            return null;
        }
        return remote.hostAddress() != null ? remote.hostAddress() : remote.host();
    }
}
