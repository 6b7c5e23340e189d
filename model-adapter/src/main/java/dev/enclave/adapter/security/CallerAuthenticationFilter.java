package dev.enclave.adapter.security;

import dev.enclave.adapter.config.AdapterConfig;
import dev.enclave.adapter.rest.AdapterWire;
import dev.enclave.support.net.IpLiteral;
import dev.enclave.support.net.NetworkAllowlist;
import io.smallrye.mutiny.Uni;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.net.InetAddress;
import java.util.List;

/**
 * The gate of model-adapter's API, deny by default: every path Quarkus REST sees, served or not
 * (the resources are {@code /v1/*}; no resource is public; the health probes and the OpenAPI
 * document are Quarkus' {@code /q/*}, not resources, and stay open): the caller must connect from inside the trusted networks
 * ({@code enclave.adapter.ingress.trusted-cidrs}, the gateway's pods), then present an access token
 * that token-service issued for model-adapter.
 */
public class CallerAuthenticationFilter {

    private static final Logger LOG = Logger.getLogger(CallerAuthenticationFilter.class);
    private static final String SETTING = "enclave.adapter.ingress.trusted-cidrs";

    private final NetworkAllowlist trusted;
    private final AccessTokens tokens;

    public CallerAuthenticationFilter(AdapterConfig config, AccessTokens tokens) {
        this.trusted = new NetworkAllowlist(config.ingress().trustedCidrs().orElse(List.of()));
        this.tokens = tokens;
    }

    /*
     * Before routing, so that it covers every path, also ones no resource serves, and a caller
     * without credentials learns nothing of routes or content types (401/403, never 404, 405 or
     * 415); after RequestIdFilter (Priorities.USER), so that a refusal carries the request id.
     */
    @ServerRequestFilter(preMatching = true, priority = Priorities.USER + 10)
    public Uni<Response> authenticate(ContainerRequestContext request, RoutingContext routing) {
        // The TCP peer, never X-Forwarded-For or Forwarded: those are whatever the caller wrote
        // (quarkus.http.proxy.* stays off, so Vert.x does not read them either).
        SocketAddress peer = routing.request().remoteAddress();
        InetAddress address = address(peer);
        if (address == null || !trusted.allows(address)) {
            String caller = peer == null ? "unknown" : peer.hostAddress();
            LOG.warnf("Refused caller %s: outside the trusted networks (%s)%s", caller, SETTING,
                    trusted.isEmpty() ? "; none are configured" : "");
            return Uni.createFrom().item(error(Response.Status.FORBIDDEN, "ingress_denied",
                    "caller " + caller + " is outside the trusted networks"));
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                || authorization.substring(7).isBlank()) {
            // RFC 6750 section 3.1: a request without credentials is challenged without an error code
            return Uni.createFrom().item(unauthorized("Bearer",
                    "an Authorization: Bearer access token from token-service is required"));
        }
        return tokens.verify(authorization.substring(7).strip())
                .map(ok -> (Response) null)
                .onFailure(AccessTokens.InvalidTokenException.class)
                .recoverWithItem(e -> unauthorized("Bearer error=\"invalid_token\"", e.getMessage()))
                // a genuine token of a client that may not call: RFC 6750's insufficient_scope is a 403; the body's
                // error stays invalid_token, which ai-gateway reads as "model-adapter refused this gateway"
                .onFailure(AccessTokens.ClientNotAllowedException.class)
                .recoverWithItem(e -> Response.fromResponse(error(Response.Status.FORBIDDEN, "invalid_token",
                        e.getMessage())).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"insufficient_scope\"")
                        .build())
                .onFailure(AccessTokens.RevocationListStaleException.class)
                .recoverWithItem(e -> error(Response.Status.SERVICE_UNAVAILABLE, "revocation_list_stale",
                        e.getMessage()))
                .onFailure(AccessTokens.KeysUnavailableException.class)
                .recoverWithItem(e -> error(Response.Status.SERVICE_UNAVAILABLE, "token_keys_unavailable",
                        e.getMessage()));
    }

    /** The peer's address, read without any name lookup; null when it is not an IP address. */
    private static InetAddress address(SocketAddress peer) {
        if (peer == null || peer.hostAddress() == null) {
            return null;
        }
        String host = peer.hostAddress();
        int zone = host.indexOf('%');
        if (zone >= 0) {
            host = host.substring(0, zone);
        }
        return IpLiteral.parse(host);
    }

    private static Response unauthorized(String challenge, String message) {
        return Response.fromResponse(error(Response.Status.UNAUTHORIZED, "invalid_token", message))
                .header(HttpHeaders.WWW_AUTHENTICATE, challenge).build();
    }

    private static Response error(Response.Status status, String error, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(new AdapterWire.ErrorBody(error, message, null)).build();
    }
}
