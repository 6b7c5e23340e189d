package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.domain.OAuthApplication;
import dev.enclave.token.rest.OAuthException;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** Authenticates clients at the OAuth endpoints: registered applications and the suite's own verifiers. */
@ApplicationScoped
public class OAuthClientAuthenticator {

    private final TokenServiceConfig config;

    public OAuthClientAuthenticator(TokenServiceConfig config) {
        this.config = config;
    }

    /**
     * A registered application. A confidential one must present its secret; a public one may
     * send only its id, but a secret it does send must be right.
     */
    public OAuthApplication application(ClientCredentials credentials) {
        OAuthApplication application = OAuthApplication.findByUid(credentials.clientId())
                .orElseThrow(() -> OAuthException.invalidClient("Unknown client or wrong client secret"));
        if (credentials.secret() == null) {
            if (application.confidential) {
                throw OAuthException.invalidClient("Confidential clients must authenticate with their secret");
            }
        } else if (!OAuthSecrets.matches(credentials.secret(), application.secretDigest)) {
            throw OAuthException.invalidClient("Unknown client or wrong client secret");
        }
        return application;
    }

    /**
     * Who may introspect at the public {@code /oauth/introspect}: the configured verifier client (a
     * resource server of the suite, which may see any token), or a confidential application, which
     * may see only the tokens issued to it. The instance's client is not accepted here: its static
     * secret also opens {@code /internal/*}, and the instance verifies tokens itself (JWKS and the
     * revocation list), so a public endpoint gains nothing from accepting it.
     *
     * @return the application whose tokens alone the caller may see; empty for the verifier client
     */
    public Optional<OAuthApplication> introspector(ClientCredentials credentials) {
        TokenServiceConfig.OAuth.VerifierClient verifier = config.oauth().verifierClient();
        if (matches(credentials, verifier.id(), verifier.secret())) {
            return Optional.empty();
        }
        OAuthApplication application = application(credentials);
        if (!application.confidential) {
            throw OAuthException.invalidClient("Only confidential clients may introspect tokens");
        }
        return Optional.of(application);
    }

    /** Who may read the revocation list (internal API): the instance, and the configured verifier client if any. */
    public void revocationReader(ClientCredentials credentials) {
        if (!isVerifier(credentials)) {
            throw OAuthException.invalidClient("Unknown client or wrong client secret");
        }
    }

    private boolean isVerifier(ClientCredentials credentials) {
        TokenServiceConfig.OAuth.VerifierClient verifier = config.oauth().verifierClient();
        return matches(credentials, config.instanceClient().id(), Optional.of(config.instanceClient().secret()))
                || matches(credentials, verifier.id(), verifier.secret());
    }

    private static boolean matches(ClientCredentials credentials, String id, Optional<String> secret) {
        if (secret.isEmpty() || credentials.secret() == null) {
            return false;
        }
        boolean idMatches = MessageDigest.isEqual(bytes(credentials.clientId()), bytes(id));
        boolean secretMatches = MessageDigest.isEqual(bytes(credentials.secret()), bytes(secret.get()));
        return idMatches && secretMatches;
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
