package dev.enclave.token.rest;

import dev.enclave.token.service.ClientAuthThrottle;
import dev.enclave.token.service.ClientCredentials;
import dev.enclave.token.service.InternalClientAuthenticator;
import dev.enclave.token.service.OAuthClientAuthenticator;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Set;

/**
 * Deny by default: the one place that says who may call what. It runs before routing, so it
 * covers every path, also ones no resource serves (they answer 401, not 404, 405 or 415).
 *
 * <ul>
 *   <li>{@link #PUBLIC}: anyone. The three OAuth endpoints authenticate the client themselves
 *       (HTTP Basic or the form body), with throttling.</li>
 *   <li>{@code /internal/v1/revocations}: the instance's client or the configured verifier client.</li>
 *   <li>everything else: the instance's client (HTTP Basic), failures throttled like the OAuth endpoints'.</li>
 * </ul>
 * Health and the OpenAPI document ({@code /q/*}) are not JAX-RS routes and stay public. Each
 * resource checks its caller again itself.
 */
public class AccessPolicy {

    static final Set<String> PUBLIC = Set.of("/.well-known/openid-configuration", "/oauth/discovery/keys",
            "/oauth/token", "/oauth/revoke", "/oauth/introspect");
    static final String REVOCATION_LIST = "/internal/v1/revocations";

    private final InternalClientAuthenticator instanceClient;
    private final OAuthClientAuthenticator oauthClients;
    private final ClientAuthThrottle throttle;

    public AccessPolicy(InternalClientAuthenticator instanceClient, OAuthClientAuthenticator oauthClients,
                        ClientAuthThrottle throttle) {
        this.instanceClient = instanceClient;
        this.oauthClients = oauthClients;
        this.throttle = throttle;
    }

    @ServerRequestFilter(preMatching = true)
    public void authorize(ContainerRequestContext request, HttpServerRequest http) {
        String path = request.getUriInfo().getPath();
        // The router serves "/oauth/token/" as "/oauth/token": judge them alike.
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (PUBLIC.contains(path)) {
            return;
        }
        String authorization = request.getHeaderString("Authorization");
        boolean revocationList = REVOCATION_LIST.equals(path);
        throttle.authenticate(CallerAddress.of(http), () -> ClientCredentials.fromBasic(authorization), credentials -> {
            if (revocationList) {
                oauthClients.revocationReader(credentials);
            } else {
                instanceClient.authenticate(authorization);
            }
            return null;
        });
    }
}
