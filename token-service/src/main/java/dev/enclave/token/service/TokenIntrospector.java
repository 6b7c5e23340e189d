package dev.enclave.token.service;

import dev.enclave.token.rest.OAuthException;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.domain.AccessTokenRevocation;
import dev.enclave.token.domain.IssuedAccessToken;
import dev.enclave.token.domain.OAuthApplication;
import dev.enclave.token.domain.OAuthRefreshToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/** RFC 7662: tells a resource server whether a token is active, and what it grants. */
@ApplicationScoped
public class TokenIntrospector {

    /**
     * An active token. {@code audience} and {@code jti} are null for refresh tokens, and their
     * {@code tokenType} is {@code refresh_token}, so that no resource server mistakes one for a
     * bearer credential.
     */
    public record ActiveToken(String scope, String clientId, String subject, String audience, String issuer,
                              Instant expiresAt, Instant issuedAt, String jti, String tokenType) {
    }

    private final OAuthClientAuthenticator clients;
    private final AccessTokenVerifier verifier;
    private final TokenServiceConfig config;
    private final Clock clock;

    public TokenIntrospector(OAuthClientAuthenticator clients, AccessTokenVerifier verifier,
                             TokenServiceConfig config, Clock clock) {
        this.clients = clients;
        this.verifier = verifier;
        this.config = config;
        this.clock = clock;
    }

    /**
     * @return empty for anything not active: unknown, malformed, expired, used, revoked, and (RFC
     *         7662 section 2.2) any token the caller may not see: an application sees only its own
     */
    @Transactional
    public Optional<ActiveToken> introspect(ClientCredentials credentials, String token) {
        Optional<OAuthApplication> onlyTokensOf = clients.introspector(credentials);
        OAuthException.require(token, "token");
        Optional<OAuthRefreshToken> refresh = OAuthRefreshToken.findByDigest(OAuthSecrets.digest(token));
        if (refresh.isPresent()) {
            return refresh.filter(this::isLive)
                    .filter(r -> onlyTokensOf.isEmpty() || onlyTokensOf.get().id.equals(r.application.id))
                    .map(this::describe);
        }
        return verifier.verify(token)
                .filter(access -> onlyTokensOf.isEmpty() || onlyTokensOf.get().uid.equals(access.clientId()))
                .filter(access -> IssuedAccessToken.findByIdOptional(access.jti()).isPresent())
                .filter(access -> !AccessTokenRevocation.isRevoked(access.jti()))
                .map(access -> new ActiveToken(access.scope(), access.clientId(), access.subject(), access.audience(),
                        access.issuer(), access.expiresAt(), access.issuedAt(), access.jti(), "Bearer"));
    }

    private boolean isLive(OAuthRefreshToken refresh) {
        return refresh.usedAt == null && refresh.revokedAt == null && refresh.expiresAt.isAfter(clock.instant());
    }

    private ActiveToken describe(OAuthRefreshToken refresh) {
        return new ActiveToken(refresh.scopes, refresh.application.uid, String.valueOf(refresh.resourceOwnerId), null,
                config.issuer(), refresh.expiresAt, refresh.createdAt, null, "refresh_token");
    }
}
