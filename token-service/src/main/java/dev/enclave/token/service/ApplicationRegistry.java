package dev.enclave.token.service;

import dev.enclave.token.domain.IssuedAccessToken;
import dev.enclave.token.domain.OAuthApplication;
import dev.enclave.token.domain.OAuthGrant;
import dev.enclave.token.domain.OAuthRefreshToken;
import dev.enclave.token.rest.OAuthException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.List;

/** OAuth applications (clients): registered through the internal API on behalf of the instance's admins. */
@ApplicationScoped
public class ApplicationRegistry {

    private static final Logger LOG = Logger.getLogger(ApplicationRegistry.class);
    /** GitLab's client secrets carry this prefix, which secret scanners recognise. */
    private static final String SECRET_PREFIX = "gloas-";
    private static final int MAX_NAME_LENGTH = 255;
    private static final int MAX_URI_LENGTH = 2048;

    /** @param secret the only time the client secret is seen: only its digest is stored */
    public record CreatedApplication(OAuthApplication application, String secret) {
    }

    private final TokenRevoker revoker;
    private final Clock clock;

    public ApplicationRegistry(TokenRevoker revoker, Clock clock) {
        this.revoker = revoker;
        this.clock = clock;
    }

    @Transactional
    public CreatedApplication create(String name, String redirectUri, String scopes, Boolean confidential) {
        if (OAuthException.require(name, "name").length() > MAX_NAME_LENGTH) {
            throw OAuthException.invalidRequest("name is longer than " + MAX_NAME_LENGTH + " characters");
        }
        requireRedirectUri(redirectUri);
        String declared = OAuthScopes.format(OAuthScopes.requireDeclarable(scopes));
        String secret = SECRET_PREFIX + OAuthSecrets.random();
        OAuthApplication application = new OAuthApplication();
        application.uid = OAuthSecrets.random();
        application.name = name;
        application.redirectUri = redirectUri;
        application.scopes = declared;
        application.confidential = confidential == null || confidential;
        application.secretDigest = OAuthSecrets.digest(secret);
        application.createdAt = clock.instant();
        application.persist();
        LOG.infof("Created OAuth application %d (client %s, scopes %s)", application.id, application.uid, declared);
        return new CreatedApplication(application, secret);
    }

    @Transactional
    public List<OAuthApplication> list() {
        return OAuthApplication.listInCreationOrder();
    }

    /** Deletes the application with everything issued to it; its live access tokens go on the revocation list. */
    @Transactional
    public void delete(long id) {
        OAuthApplication application = OAuthApplication.<OAuthApplication>findByIdOptional(id)
                .orElseThrow(() -> OAuthException.notFound("No OAuth application " + id));
        revoker.revokeAccessTokens(application, clock.instant());
        IssuedAccessToken.deleteByApplication(application);
        OAuthRefreshToken.deleteByApplication(application);
        OAuthGrant.deleteByApplication(application);
        // In bulk like the rows above: the issued tokens just locked are still in the session, and
        // removing the application through the session would leave them pointing at a deleted row.
        OAuthApplication.delete("id", id);
        LOG.infof("Deleted OAuth application %d (client %s) and revoked its tokens", id, application.uid);
    }

    /** RFC 6749 section 3.1.2: absolute, and no fragment. */
    private static void requireRedirectUri(String redirectUri) {
        OAuthException.require(redirectUri, "redirect_uri");
        if (redirectUri.length() > MAX_URI_LENGTH) {
            throw OAuthException.invalidRequest("redirect_uri is longer than " + MAX_URI_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(redirectUri);
        } catch (URISyntaxException e) {
            throw OAuthException.invalidRequest("redirect_uri is not a URI: " + e.getReason());
        }
        if (!uri.isAbsolute() || uri.getRawFragment() != null) {
            throw OAuthException.invalidRequest("redirect_uri must be an absolute URI without a fragment");
        }
    }
}
