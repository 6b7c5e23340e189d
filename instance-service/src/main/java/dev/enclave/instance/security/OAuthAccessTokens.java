package dev.enclave.instance.security;

import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * OAuth access tokens from token-service: RS256 JWTs verified by quarkus-oidc against
 * token-service's published keys (signature, issuer, audience = this instance's public URL,
 * expiry), then checked against the revocation list (503 while that list is stale, see
 * {@link RevokedAccessTokens#requireFresh()}).
 */
@ApplicationScoped
public class OAuthAccessTokens {

    private static final Logger LOG = Logger.getLogger(OAuthAccessTokens.class);
    private static final Duration VERIFY_TIMEOUT = Duration.ofSeconds(5);

    public record Verified(long ownerId, Set<String> scopes, String jti, String clientId) {
    }

    private final TenantIdentityProvider verifier;
    private final RevokedAccessTokens revoked;

    public OAuthAccessTokens(TenantIdentityProvider verifier, RevokedAccessTokens revoked) {
        this.verifier = verifier;
        this.revoked = revoked;
    }

    /** A JWS compact serialisation has exactly three dot-separated parts; a PAT has none. */
    public static boolean looksLikeJwt(String token) {
        return token.chars().filter(c -> c == '.').count() == 2;
    }

    /**
     * Why a token was refused, for the debug log, without the token or its claims (the messages of
     * quarkus-oidc and jose4j quote the whole claim set): the exception types along the cause chain,
     * e.g. {@code AuthenticationFailedException <- InvalidJwtException}.
     */
    static String reason(Throwable failure) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = failure; t != null && out.length() < 500; t = t.getCause() == t ? null : t.getCause()) {
            if (!out.isEmpty()) {
                out.append(" <- ");
            }
            out.append(t.getClass().getSimpleName());
        }
        return out.toString();
    }

    public Optional<Verified> verify(String token) {
        SecurityIdentity identity;
        try {
            identity = verifier.authenticate(new AccessTokenCredential(token)).await().atMost(VERIFY_TIMEOUT);
        } catch (RuntimeException e) {
            if (LOG.isDebugEnabled()) {
                LOG.debugf("OAuth token refused: %s", reason(e));
            }
            return Optional.empty();
        }
        if (!(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Optional.empty();
        }
        // A genuine token, but whether it was revoked is only known from a fresh enough list.
        revoked.requireFresh();
        if (revoked.isRevoked(jwt.getTokenID())) {
            return Optional.empty();
        }
        long owner;
        try {
            owner = Long.parseLong(jwt.getSubject());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String scope = jwt.getClaim("scope");
        Set<String> scopes = scope == null ? Set.of()
                : Arrays.stream(scope.split(" ")).filter(s -> !s.isBlank()).collect(Collectors.toUnmodifiableSet());
        return Optional.of(new Verified(owner, scopes, jwt.getTokenID(), jwt.getClaim("client_id")));
    }
}
