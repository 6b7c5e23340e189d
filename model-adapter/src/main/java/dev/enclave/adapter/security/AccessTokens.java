package dev.enclave.adapter.security;

import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.OIDCException;
import io.quarkus.oidc.TenantIdentityProvider;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwx.JsonWebStructure;
import org.jose4j.lang.JoseException;

/**
 * Client-credentials access tokens from token-service: RS256 JWTs verified by quarkus-oidc against
 * token-service's published keys (signature, issuer, {@code aud} = model-adapter, expiry), then
 * required to be access tokens ({@code typ} at+jwt) with a {@code jti} that is not revoked.
 */
@ApplicationScoped
public class AccessTokens {

    private static final Logger LOG = Logger.getLogger(AccessTokens.class);
    private static final String ACCESS_TOKEN_TYPE = "at+jwt";

    /** The token is not one model-adapter accepts; the message says why, without the token. */
    public static class InvalidTokenException extends RuntimeException {
        InvalidTokenException(String message) {
            super(message);
        }
    }

    /** No token can be verified: token-service's keys have not been fetched and cannot be now. */
    public static class KeysUnavailableException extends RuntimeException {
        KeysUnavailableException(String message) {
            super(message);
        }
    }

    private final TenantIdentityProvider verifier;
    private final RevokedAccessTokens revoked;

    public AccessTokens(TenantIdentityProvider verifier, RevokedAccessTokens revoked) {
        this.verifier = verifier;
        this.revoked = revoked;
    }

    /**
     * @return nothing when the token is good, else a failure with {@link InvalidTokenException} or
     *         {@link KeysUnavailableException}
     */
    public Uni<Void> verify(String token) {
        return verifier.authenticate(new AccessTokenCredential(token))
                .onFailure().transform(AccessTokens::refusal)
                .invoke(identity -> {
                    if (!(identity.getPrincipal() instanceof JsonWebToken jwt)) {
                        throw new InvalidTokenException("the bearer token is not a JWT access token");
                    }
                    if (!isAccessToken(token)) {
                        // RFC 9068 section 4: other JWTs token-service signs (AI tokens) are no credentials here
                        throw new InvalidTokenException(
                                "the bearer token is not an access token (typ must be at+jwt)");
                    }
                    if (jwt.getTokenID() == null) {
                        // without a jti a revocation could never reach it
                        throw new InvalidTokenException("the bearer token has no jti");
                    }
                    if (revoked.isRevoked(jwt.getTokenID())) {
                        throw new InvalidTokenException("the bearer token has been revoked");
                    }
                })
                .replaceWithVoid();
    }

    /** Checks the header's {@code typ}, read once the signature is verified: it is the one token-service set. */
    private static boolean isAccessToken(String token) {
        try {
            String type = JsonWebStructure.fromCompactSerialization(token).getHeader("typ");
            return ACCESS_TOKEN_TYPE.equalsIgnoreCase(type)
                    || ("application/" + ACCESS_TOKEN_TYPE).equalsIgnoreCase(type);
        } catch (JoseException e) {
            return false;
        }
    }

    /** Names the check that failed, as far as the verifier tells; never repeats the token or its claims. */
    private static RuntimeException refusal(Throwable failure) {
        LOG.debugf("Access token refused: %s", failure);
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof OIDCException) {
                // quarkus-oidc could not reach token-service for its discovery document or keys
                return new KeysUnavailableException("cannot verify the bearer token: token-service's keys cannot be "
                        + "fetched (enclave.adapter.token-service-url)");
            }
            if (cause instanceof InvalidJwtException invalid) {
                if (invalid.hasExpired()) {
                    return new InvalidTokenException("the bearer token has expired");
                }
                if (invalid.hasErrorCode(ErrorCodes.AUDIENCE_INVALID)
                        || invalid.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
                    return new InvalidTokenException("the bearer token is not meant for model-adapter (aud)");
                }
                if (invalid.hasErrorCode(ErrorCodes.ISSUER_INVALID)
                        || invalid.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
                    return new InvalidTokenException("the bearer token was not issued by token-service (iss)");
                }
            }
        }
        return new InvalidTokenException("the bearer token is not an RS256 access token signed by token-service");
    }
}
