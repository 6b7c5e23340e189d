package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the discovery document says about the OAuth endpoints (RFC 8414 member names). */
@ApplicationScoped
public class OAuthServerMetadata {

    private final TokenServiceConfig config;

    public OAuthServerMetadata(TokenServiceConfig config) {
        this.config = config;
    }

    /** The configured issuer without a trailing slash, the base of every advertised URL. */
    public String issuer() {
        String issuer = config.issuer();
        return issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    }

    /** The OAuth members of {@code /.well-known/openid-configuration}, in the order to print them. */
    public Map<String, Object> discoveryMembers() {
        String issuer = issuer();
        Map<String, Object> members = new LinkedHashMap<>();
        members.put("token_endpoint", issuer + "/oauth/token");
        members.put("revocation_endpoint", issuer + "/oauth/revoke");
        members.put("introspection_endpoint", issuer + "/oauth/introspect");
        members.put("grant_types_supported", List.of("authorization_code", "refresh_token", "client_credentials"));
        members.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post", "none"));
        // user:* is declared by applications, never requested, so it is not listed.
        members.put("scopes_supported", OAuthScopes.STATIC);
        // RFC 8414 section 2: PKCE (RFC 7636), S256 only.
        members.put("code_challenge_methods_supported", List.of(Pkce.S256));
        return members;
    }
}
