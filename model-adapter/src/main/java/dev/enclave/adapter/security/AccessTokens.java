package dev.enclave.adapter.security;

import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.OIDCException;
import io.quarkus.oidc.TenantIdentityProvider;
import dev.enclave.adapter.config.AdapterConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwx.JsonWebStructure;
import org.jose4j.lang.JoseException;

import java.util.Set;

/**
 * Client-credentials access tokens from token-service: RS256 JWTs verified by quarkus-oidc against
 * token-service's published keys (signature, issuer, {@code aud} = model-adapter, expiry), then
 * required to be access tokens ({@code typ} at+jwt) issued to an allowed client
 * ({@code client_id}, {@code enclave.adapter.allowed-clients}: ai-gateway), with a {@code jti} that
 * is not revoked, checked against a revocation list that is not stale.
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

    /**
     * A genuine token for model-adapter, but issued to a client that may not call it: which client
     * it is, is known (so not 401: another token of the same client would not help).
     */
    public static class ClientNotAllowedException extends RuntimeException {
        ClientNotAllowedException(String message) {
            super(message);
        }
    }

    /** The revocation list is older than {@code enclave.adapter.revocation-max-staleness}: no token is honoured. */
    public static class RevocationListStaleException extends RuntimeException {
        RevocationListStaleException(String message) {
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
    private final Set<String> allowedClients;

    public AccessTokens(TenantIdentityProvider verifier, RevokedAccessTokens revoked, AdapterConfig config) {
        this.verifier = verifier;
        this.revoked = revoked;
        this.allowedClients = Set.copyOf(config.allowedClients().stream().map(String::strip)
                .filter(client -> !client.isEmpty()).toList());
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
                    // RFC 9068 section 2.2: the client the token was issued to; token-service sets it on every
                    // access token (sub is the client too for client_credentials, but a user for other grants)
                    Object client = jwt.getClaim("client_id");
                    if (!(client instanceof String clientId) || clientId.isBlank()) {
                        throw new InvalidTokenException("the bearer token names no client (client_id)");
                    }
                    if (!allowedClients.contains(clientId)) {
                        LOG.warnf("Refused a token issued to client '%s': only %s may call model-adapter "
                                + "(enclave.adapter.allowed-clients)", shown(clientId), allowedClients);
                        throw new ClientNotAllowedException("the bearer token was issued to client '" + shown(clientId)
                                + "', which may not call model-adapter (enclave.adapter.allowed-clients)");
                    }
                    if (jwt.getTokenID() == null) {
                        // without a jti a revocation could never reach it
                        throw new InvalidTokenException("the bearer token has no jti");
                    }
                    String stale = revoked.staleness();
                    if (stale != null) {
                        // fail closed: a token revoked meanwhile would not be known here
                        throw new RevocationListStaleException(stale);
                    }
                    if (revoked.isRevoked(jwt.getTokenID())) {
                        throw new InvalidTokenException("the bearer token has been revoked");
                    }
                })
                .replaceWithVoid();
    }

    /** A client id as it may be shown: short, printable (it came from a signed token, but still from outside). */
    private static String shown(String clientId) {
        String cut = clientId.length() > 64 ? clientId.substring(0, 64) + "…" : clientId;
        return cut.replaceAll("[^\\x20-\\x7e…]", "?");
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
        RuntimeException refusal = classified(failure);
        // the verifier's own message may quote the token's claims: only the reason and the failure's kind
        LOG.debugf("Access token refused: %s (%s)", refusal.getMessage(), failure.getClass().getName());
        return refusal;
    }

    private static RuntimeException classified(Throwable failure) {
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
