package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.domain.OAuthApplication;
import dev.enclave.token.domain.OAuthGrant;
import dev.enclave.token.domain.OAuthRefreshToken;
import dev.enclave.token.rest.OAuthException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * The token endpoint's grants (RFC 6749 section 4): authorization code, refresh token with
 * rotation, client credentials. A code or refresh token presented twice revokes everything
 * issued from its first use (RFC 6749 section 10.5, OAuth 2.0 Security BCP section 4.14).
 */
@ApplicationScoped
public class OAuthTokenIssuer {

    private static final Logger LOG = Logger.getLogger(OAuthTokenIssuer.class);

    /** @param codeVerifier RFC 7636, for a code granted with a {@code code_challenge} */
    public record TokenRequest(String grantType, String code, String redirectUri, String codeVerifier,
                               String refreshToken, String scope, String audience, String resource) {
    }

    /** @param refreshToken null for client_credentials */
    public record IssuedTokens(String accessToken, long expiresIn, String refreshToken, String scope,
                               Instant createdAt) {
    }

    private final OAuthClientAuthenticator clients;
    private final AccessTokenMinter minter;
    private final TokenRevoker revoker;
    private final CompositeTokenFeed feed;
    private final TokenServiceConfig config;
    private final Clock clock;

    public OAuthTokenIssuer(OAuthClientAuthenticator clients, AccessTokenMinter minter, TokenRevoker revoker,
                            CompositeTokenFeed feed, TokenServiceConfig config, Clock clock) {
        this.clients = clients;
        this.minter = minter;
        this.revoker = revoker;
        this.feed = feed;
        this.config = config;
        this.clock = clock;
    }

    /** One transaction: a failure after a code or refresh token was claimed un-claims it. */
    @Transactional(dontRollbackOn = TokenReplayException.class)
    public IssuedTokens issue(ClientCredentials credentials, TokenRequest request) {
        OAuthApplication client = clients.application(credentials);
        Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
        return switch (OAuthException.require(request.grantType(), "grant_type")) {
            case "authorization_code" -> exchangeCode(client, request, now);
            case "refresh_token" -> refresh(client, request, now);
            case "client_credentials" -> clientCredentials(client, request, now);
            default -> throw OAuthException.unsupportedGrantType("Unsupported grant_type " + request.grantType()
                    + "; supported: authorization_code, refresh_token, client_credentials");
        };
    }

    /**
     * Composite identity without a grant: an access token and a refresh token for the resource
     * owner (the service account), issued as an exchange of a grant with the same scopes would
     * issue them (same lifetimes, a new refresh-token family). The instance has already decided
     * that the owner is a composite-identity service account and the named user an active human.
     * Only for a confidential application: the refresh needs its secret (a public client may
     * refresh only families born from a PKCE exchange, and there is none here).
     */
    @Transactional
    public IssuedTokens mintComposite(String applicationUid, Long resourceOwnerId, String scopes) {
        OAuthApplication application = OAuthApplication.findByUid(OAuthException.require(applicationUid, "application_id"))
                .orElseThrow(() -> OAuthException.notFound("No OAuth application " + applicationUid));
        if (resourceOwnerId == null || resourceOwnerId <= 0) {
            throw OAuthException.invalidRequest("resource_owner_id must be a user id");
        }
        if (!application.confidential) {
            throw OAuthException.unauthorizedClient("A composite token without a grant needs a confidential "
                    + "application: a public client could not refresh it");
        }
        Set<String> granted = OAuthScopes.requireComposite(scopes, OAuthScopes.parse(application.scopes));
        Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
        IssuedTokens issued = issueUserTokens(application, resourceOwnerId, granted, granted,
                UUID.randomUUID().toString(), false, CompositeTokenFeed.Origin.DIRECT, now);
        LOG.infof("Minted a composite token without a grant for client %s, resource owner %d, scopes %s",
                application.uid, resourceOwnerId, issued.scope());
        return issued;
    }

    private IssuedTokens exchangeCode(OAuthApplication client, TokenRequest request, Instant now) {
        String code = OAuthException.require(request.code(), "code");
        String redirectUri = OAuthException.require(request.redirectUri(), "redirect_uri");
        OAuthGrant grant = OAuthGrant.findByCodeDigest(OAuthSecrets.digest(code))
                .filter(g -> g.application.id.equals(client.id))
                .orElseThrow(() -> OAuthException.invalidGrant("Unknown, expired or already used authorization code"));
        if (!grant.redirectUri.equals(redirectUri)) {
            throw OAuthException.invalidGrant("redirect_uri differs from the one the code was issued for");
        }
        // Before the replay check: whoever holds a code without its verifier cannot even revoke with it.
        requireProofOfPossession(client, grant, request.codeVerifier());
        if (grant.usedAt != null) {
            throw codeReplayed(grant, now);
        }
        if (!grant.expiresAt.isAfter(now)) {
            throw OAuthException.invalidGrant("Unknown, expired or already used authorization code");
        }
        String familyId = UUID.randomUUID().toString();
        if (!OAuthGrant.claim(grant.id, now, familyId)) {
            // Another exchange of this code won the race; read the family it started.
            OAuthGrant.getEntityManager().refresh(grant);
            throw codeReplayed(grant, now);
        }
        Set<String> scopes = OAuthScopes.parse(grant.scopes);
        return issueUserTokens(client, grant.resourceOwnerId, scopes, scopes, familyId, grant.codeChallenge != null,
                CompositeTokenFeed.Origin.EXCHANGE, now);
    }

    /**
     * RFC 7636 section 4.6. A grant with a challenge needs the matching verifier; one without
     * takes no verifier (RFC 9700 section 2.1.1: a verifier there is a downgrade attempt) and
     * only from a confidential client. Every failure is {@code invalid_grant} and spends nothing.
     */
    private static void requireProofOfPossession(OAuthApplication client, OAuthGrant grant, String codeVerifier) {
        boolean verifierSent = codeVerifier != null && !codeVerifier.isEmpty();
        if (grant.codeChallenge != null) {
            if (!verifierSent) {
                throw OAuthException.invalidGrant("code_verifier is required: the code was granted with a code_challenge");
            }
            if (!Pkce.verifies(codeVerifier, grant.codeChallenge)) {
                throw OAuthException.invalidGrant("code_verifier does not match the code_challenge");
            }
        } else if (verifierSent) {
            throw OAuthException.invalidGrant("code_verifier sent, but the code was granted without code_challenge");
        } else if (!client.confidential) {
            throw OAuthException.invalidGrant("A public client's code must have been granted with PKCE");
        }
    }

    private TokenReplayException codeReplayed(OAuthGrant grant, Instant now) {
        if (grant.tokenFamily != null) {
            revoker.revokeFamily(grant.tokenFamily, now);
        }
        LOG.warnf("Authorization code of grant %d presented again: revoked token family %s", grant.id,
                grant.tokenFamily);
        return new TokenReplayException("Authorization code already used; the tokens issued for it are revoked");
    }

    private IssuedTokens refresh(OAuthApplication client, TokenRequest request, Instant now) {
        String presented = OAuthException.require(request.refreshToken(), "refresh_token");
        OAuthRefreshToken current = OAuthRefreshToken.findByDigest(OAuthSecrets.digest(presented))
                .filter(t -> t.application.id.equals(client.id) && t.revokedAt == null)
                .orElseThrow(() -> OAuthException.invalidGrant("Unknown, expired or revoked refresh token"));
        if (!client.confidential && !current.pkce) {
            // A public client proves nothing but its id; what binds the family to it is the PKCE
            // exchange that started it (and rotation on every refresh: OAuth 2.1 section 4.3.1).
            throw OAuthException.invalidGrant("A public client may refresh only tokens from a PKCE grant; "
                    + "authorize again with code_challenge");
        }
        if (current.usedAt != null) {
            throw refreshReplayed(current, now);
        }
        if (!current.expiresAt.isAfter(now)) {
            throw OAuthException.invalidGrant("Unknown, expired or revoked refresh token");
        }
        Set<String> granted = OAuthScopes.parse(current.scopes);
        Set<String> scopes = new LinkedHashSet<>(OAuthScopes.narrow(request.scope(), granted));
        // Narrowing must not drop the composite identity: without user:<id> the token would act
        // as the service account alone, with more access than the pair.
        OAuthScopes.userScope(granted).ifPresent(scopes::add);
        if (!OAuthRefreshToken.claim(current.id, now)) {
            OAuthRefreshToken.getEntityManager().refresh(current);
            if (current.usedAt != null) {
                throw refreshReplayed(current, now);
            }
            throw OAuthException.invalidGrant("Unknown, expired or revoked refresh token");
        }
        // RFC 6749 section 6: the new refresh token keeps the scope of the old one, whatever the access token got.
        return issueUserTokens(client, current.resourceOwnerId, scopes, granted, current.familyId, current.pkce,
                CompositeTokenFeed.Origin.REFRESH, now);
    }

    private TokenReplayException refreshReplayed(OAuthRefreshToken token, Instant now) {
        revoker.revokeFamily(token.familyId, now);
        LOG.warnf("Used refresh token %d presented again: revoked token family %s", token.id, token.familyId);
        return new TokenReplayException("Refresh token already used; its token family is revoked");
    }

    private IssuedTokens clientCredentials(OAuthApplication client, TokenRequest request, Instant now) {
        if (!client.confidential) {
            throw OAuthException.unauthorizedClient("client_credentials needs a confidential client");
        }
        String audience = audience(request);
        if (config.oauth().internalAudiences().contains(audience)
                && !config.oauth().serviceClients().containsKey(client.uid)) {
            // Internal services trust these tokens as coming from the suite itself (issue 12, finding 2).
            throw OAuthException.invalidTarget("Tokens for " + audience + " are only for the service clients the "
                    + "deployment declares, not for applications");
        }
        Set<String> declared = new LinkedHashSet<>(OAuthScopes.parse(client.scopes));
        declared.remove(OAuthScopes.USER_WILDCARD);
        Set<String> scopes = OAuthScopes.narrow(request.scope(), declared);
        if (scopes.isEmpty()) {
            throw OAuthException.invalidScope("The application has no scope a client_credentials token can carry");
        }
        String scope = OAuthScopes.format(scopes);
        AccessTokenMinter.AccessToken access = minter.mint(client, client.uid, audience, scope, null, now);
        return new IssuedTokens(access.token(), lifetimeSeconds(access), null, scope, now);
    }

    /** {@code audience}, or RFC 8707's {@code resource}; both may be sent if they agree. */
    private String audience(TokenRequest request) {
        String audience = request.audience() == null || request.audience().isBlank() ? null : request.audience();
        String resource = request.resource() == null || request.resource().isBlank() ? null : request.resource();
        if (audience != null && resource != null && !audience.equals(resource)) {
            throw OAuthException.invalidRequest("audience and resource name different services");
        }
        String target = OAuthException.require(audience != null ? audience : resource, "audience (or resource)");
        if (!config.oauth().clientCredentialsAudiences().contains(target)) {
            throw OAuthException.invalidTarget("Unknown audience " + target + "; allowed: "
                    + String.join(", ", config.oauth().clientCredentialsAudiences()));
        }
        return target;
    }

    /** @param origin how it came to be, for the feed of composite tokens (a token with {@code user:<id>}) */
    private IssuedTokens issueUserTokens(OAuthApplication client, Long resourceOwnerId, Set<String> accessScopes,
                                         Set<String> refreshScopes, String familyId, boolean pkce,
                                         CompositeTokenFeed.Origin origin, Instant now) {
        String scope = OAuthScopes.format(accessScopes);
        // A user token is for the instance API, whose public URL is the issuer.
        AccessTokenMinter.AccessToken access = minter.mint(client, String.valueOf(resourceOwnerId), config.issuer(),
                scope, familyId, now);
        String refreshToken = OAuthSecrets.random();
        OAuthRefreshToken refresh = new OAuthRefreshToken();
        refresh.tokenDigest = OAuthSecrets.digest(refreshToken);
        refresh.familyId = familyId;
        refresh.application = client;
        refresh.resourceOwnerId = resourceOwnerId;
        refresh.scopes = OAuthScopes.format(refreshScopes);
        refresh.pkce = pkce;
        refresh.createdAt = now;
        refresh.expiresAt = now.plus(config.oauth().refreshTokenLifetime());
        refresh.persist();
        // Last: it holds the feed's id counter until the commit.
        feed.recordIfComposite(client, resourceOwnerId, accessScopes, access.jti(), origin, now);
        return new IssuedTokens(access.token(), lifetimeSeconds(access), refreshToken, scope, now);
    }

    private static long lifetimeSeconds(AccessTokenMinter.AccessToken access) {
        return access.expiresAt().getEpochSecond() - access.issuedAt().getEpochSecond();
    }
}
