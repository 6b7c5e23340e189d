package dev.enclave.token.service;

import dev.enclave.token.rest.OAuthException;

import dev.enclave.token.domain.AccessTokenRevocation;
import dev.enclave.token.domain.IssuedAccessToken;
import dev.enclave.token.domain.OAuthApplication;
import dev.enclave.token.domain.OAuthRefreshToken;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Revokes tokens: a whole family (refresh tokens and the access tokens issued from them), an
 * application's tokens, or one access token. A revoked access token stays valid to anyone who
 * checks only its signature, so its jti goes on the revocation list that verifiers poll.
 */
@ApplicationScoped
public class TokenRevoker {

    private static final Logger LOG = Logger.getLogger(TokenRevoker.class);

    public record RevocationList(List<AccessTokenRevocation> revocations, Instant now) {
    }

    private final OAuthClientAuthenticator clients;
    private final AccessTokenVerifier verifier;
    private final Clock clock;

    public TokenRevoker(OAuthClientAuthenticator clients, AccessTokenVerifier verifier, Clock clock) {
        this.clients = clients;
        this.verifier = verifier;
        this.clock = clock;
    }

    /**
     * RFC 7009. Unknown tokens, and tokens of another client, are left alone without saying so:
     * the answer must not tell a client whether a token exists.
     */
    @Transactional
    public void revoke(ClientCredentials credentials, String token) {
        OAuthApplication client = clients.application(credentials);
        OAuthException.require(token, "token");
        Instant now = clock.instant();
        Optional<OAuthRefreshToken> refresh = OAuthRefreshToken.findByDigest(OAuthSecrets.digest(token));
        if (refresh.isPresent()) {
            if (refresh.get().application.id.equals(client.id)) {
                revokeFamily(refresh.get().familyId, now);
                LOG.infof("Client %s revoked token family %s", client.uid, refresh.get().familyId);
            }
            return;
        }
        verifier.verify(token)
                .filter(access -> client.uid.equals(access.clientId()))
                .flatMap(access -> IssuedAccessToken.lockLive(access.jti(), now))
                .ifPresent(issued -> {
                    addToRevocationList(issued, now);
                    LOG.infof("Client %s revoked access token %s", client.uid, issued.jti);
                });
    }

    /** Every refresh token of the family, and every live access token issued from it. */
    void revokeFamily(String familyId, Instant now) {
        OAuthRefreshToken.revokeFamily(familyId, now);
        IssuedAccessToken.lockLiveInFamily(familyId, now).forEach(issued -> addToRevocationList(issued, now));
    }

    /** The access tokens of an application that is about to be deleted (its other rows go with it). */
    void revokeAccessTokens(OAuthApplication application, Instant now) {
        IssuedAccessToken.lockLiveOfApplication(application, now).forEach(issued -> addToRevocationList(issued, now));
    }

    @Transactional
    public RevocationList revokedSince(Instant since) {
        Instant now = clock.instant();
        return new RevocationList(AccessTokenRevocation.listRevokedSince(since, now), now);
    }

    /**
     * Puts the token on the revocation list. The caller holds the row lock on {@code issued}, so
     * the check and the insert cannot interleave with another revocation of the same token.
     */
    private static void addToRevocationList(IssuedAccessToken issued, Instant now) {
        if (AccessTokenRevocation.isRevoked(issued.jti)) {
            return;
        }
        AccessTokenRevocation revocation = new AccessTokenRevocation();
        revocation.jti = issued.jti;
        revocation.expiresAt = issued.expiresAt;
        revocation.revokedAt = now;
        revocation.persist();
    }
}
