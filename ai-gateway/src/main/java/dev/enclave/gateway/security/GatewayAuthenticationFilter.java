package dev.enclave.gateway.security;

import dev.enclave.gateway.rest.GatewayException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Set;

/**
 * Authenticates every call the way GitLab's AI gateway does: a bearer token of type OIDC, verified
 * by quarkus-oidc (signature against token-service's keys, RS256 only, audience, expiry), then
 * bound to the {@code X-Gitlab-*} headers the caller sent.
 * <p>
 * Deny by default: this is the one policy that says who may call what. Every resource needs a
 * token except the explicit {@link #PUBLIC} list (GitLab's unauthenticated probes); each model
 * endpoint then requires its unit primitive ({@link UnitPrimitiveAuthorizer}). Quarkus' own
 * {@code /q/*} (health, OpenAPI) are not resources and stay open; any other path, served or
 * not, needs a token.
 */
public class GatewayAuthenticationFilter {

    static final String AUTHENTICATION_TYPE = "X-Gitlab-Authentication-Type";
    static final String REALM = "X-Gitlab-Realm";
    static final String INSTANCE_ID = "X-Gitlab-Instance-Id";
    static final String GLOBAL_USER_ID = "X-Gitlab-Global-User-Id";

    /** The resources anyone may call. */
    static final Set<String> PUBLIC = Set.of("/monitoring/healthz", "/monitoring/ready");

    private final CurrentIdentityAssociation identities;

    public GatewayAuthenticationFilter(CurrentIdentityAssociation identities) {
        this.identities = identities;
    }

    /*
     * Before routing, so that it covers every path, also ones no resource serves, and a caller
     * without credentials learns nothing of routes or content types (401/403, never 404, 405 or
     * 415); after RequestIdFilter (Priorities.USER), so that a refusal carries the request id.
     */
    @ServerRequestFilter(preMatching = true, priority = Priorities.USER + 10)
    public Uni<Response> authenticate(ContainerRequestContext request) {
        if (PUBLIC.contains(request.getUriInfo().getPath())) {
            return Uni.createFrom().nullItem();
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            return reject("No authorization header presented");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7) || authorization.substring(7).isBlank()) {
            return reject("Invalid authorization header");
        }
        if (!"oidc".equals(request.getHeaderString(AUTHENTICATION_TYPE))) {
            return reject("Invalid authentication token type - only OIDC is supported");
        }
        return identities.getDeferredIdentity()
                .map(identity -> checkBinding(identity, request))
                .onFailure().recoverWithItem(e -> unauthorized("Forbidden by auth provider"));
    }

    private static Response checkBinding(SecurityIdentity identity, ContainerRequestContext request) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken token)) {
            return unauthorized("Forbidden by auth provider");
        }
        String realm = token.getClaim("gitlab_realm");
        if (realm != null && !realm.equals(request.getHeaderString(REALM))) {
            return unauthorized("Header mismatch '" + REALM + "'");
        }
        String instanceClaim = token.getClaim("gitlab_instance_id");
        String expectedInstance = instanceClaim != null ? instanceClaim : token.getSubject();
        if (expectedInstance != null && !expectedInstance.equals(request.getHeaderString(INSTANCE_ID))) {
            return unauthorized("Header mismatch '" + INSTANCE_ID + "'");
        }
        String userClaim = token.getClaim("gitlab_global_user_id");
        if (userClaim != null && !userClaim.equals(request.getHeaderString(GLOBAL_USER_ID))) {
            return unauthorized("Header mismatch '" + GLOBAL_USER_ID + "'");
        }
        return null;
    }

    private static Uni<Response> reject(String error) {
        return Uni.createFrom().item(unauthorized(error));
    }

    private static Response unauthorized(String error) {
        GatewayException e = GatewayException.unauthenticated(error);
        return Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(e.body()).build();
    }
}
