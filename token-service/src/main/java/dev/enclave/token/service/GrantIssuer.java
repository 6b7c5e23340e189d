package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.domain.OAuthApplication;
import dev.enclave.token.domain.OAuthGrant;
import dev.enclave.token.rest.OAuthException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.Set;

/**
 * Authorization codes made programmatically by the instance, which has already decided that the
 * resource owner consents (composite identity: the service account, for one human user).
 */
@ApplicationScoped
public class GrantIssuer {

    private static final Logger LOG = Logger.getLogger(GrantIssuer.class);

    /** @param code shown once; only its digest is stored */
    public record IssuedCode(String code, long expiresIn) {
    }

    private final TokenServiceConfig config;
    private final Clock clock;

    public GrantIssuer(TokenServiceConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /**
     * @param codeChallenge       RFC 7636, optional for confidential clients and required for public ones
     * @param codeChallengeMethod {@code S256}, the only method supported
     */
    @Transactional
    public IssuedCode create(String applicationUid, Long resourceOwnerId, String scopes, String redirectUri,
                             String codeChallenge, String codeChallengeMethod) {
        OAuthApplication application = OAuthApplication.findByUid(OAuthException.require(applicationUid, "application_id"))
                .orElseThrow(() -> OAuthException.invalidRequest("No OAuth application " + applicationUid));
        if (resourceOwnerId == null || resourceOwnerId <= 0) {
            throw OAuthException.invalidRequest("resource_owner_id must be a user id");
        }
        if (!application.redirectUri.equals(OAuthException.require(redirectUri, "redirect_uri"))) {
            throw OAuthException.invalidRequest("redirect_uri is not the one registered for the application");
        }
        Set<String> granted = OAuthScopes.requireGrantable(scopes, OAuthScopes.parse(application.scopes));
        String challenge = Pkce.requireS256Challenge(codeChallenge, codeChallengeMethod);
        if (challenge == null && !application.confidential) {
            // RFC 9700 section 2.1.1 and OAuth 2.1: a public client has nothing else binding the code to it.
            throw OAuthException.invalidRequest("A public client's grant needs PKCE: code_challenge and "
                    + "code_challenge_method=S256");
        }

        String code = OAuthSecrets.random();
        Instant now = clock.instant();
        OAuthGrant grant = new OAuthGrant();
        grant.codeDigest = OAuthSecrets.digest(code);
        grant.application = application;
        grant.resourceOwnerId = resourceOwnerId;
        grant.scopes = OAuthScopes.format(granted);
        grant.redirectUri = redirectUri;
        grant.codeChallenge = challenge;
        grant.expiresAt = now.plus(config.oauth().authorizationCodeLifetime());
        grant.persist();
        LOG.infof("Granted %s to client %s for resource owner %d (grant %d%s)", grant.scopes, application.uid,
                resourceOwnerId, grant.id, challenge == null ? "" : ", PKCE");
        return new IssuedCode(code, config.oauth().authorizationCodeLifetime().toSeconds());
    }
}
