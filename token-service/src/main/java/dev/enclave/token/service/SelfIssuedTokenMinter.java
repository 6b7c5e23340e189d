package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Mints the RS256 tokens the instance hands to the AI gateway, with the claims GitLab's
 * self-issued tokens carry.
 */
@ApplicationScoped
public class SelfIssuedTokenMinter {

    public static final String AI_GATEWAY_AUDIENCE = "gitlab-ai-gateway";
    /** Clock-skew allowance between the instance, the gateway and this service. */
    private static final long NOT_BEFORE_LEEWAY_SECONDS = 5;

    public record MintedToken(String token, Instant issuedAt, Instant expiresAt) {
    }

    private final SigningKeyStore keys;
    private final TokenServiceConfig config;
    private final Clock clock;

    public SelfIssuedTokenMinter(SigningKeyStore keys, TokenServiceConfig config, Clock clock) {
        this.keys = keys;
        this.config = config;
        this.clock = clock;
    }

    /** The instance's own token, for calls the instance makes to the gateway. */
    public MintedToken mint(String instanceId, List<String> scopes) {
        return mint(instanceId, scopes, null);
    }

    /**
     * @param globalUserId null for the instance's own token; otherwise the user's global
     *                     (pseudonymous) id, for a direct-access token the user's editor holds.
     *                     Such tokens are bound to that user and live shorter.
     */
    public MintedToken mint(String instanceId, List<String> scopes, String globalUserId) {
        Instant now = Instant.ofEpochSecond(clock.instant().getEpochSecond());
        Instant expiresAt = now.plus(globalUserId == null ? config.aiTokenLifetime() : config.userAiTokenLifetime());

        JwtClaims claims = new JwtClaims();
        claims.setJwtId(UUID.randomUUID().toString());
        claims.setAudience(AI_GATEWAY_AUDIENCE);
        claims.setSubject(instanceId);
        claims.setIssuer(config.issuer());
        claims.setIssuedAt(NumericDate.fromSeconds(now.getEpochSecond()));
        claims.setNotBefore(NumericDate.fromSeconds(now.getEpochSecond() - NOT_BEFORE_LEEWAY_SECONDS));
        claims.setExpirationTime(NumericDate.fromSeconds(expiresAt.getEpochSecond()));
        claims.setStringClaim("gitlab_realm", config.realm());
        claims.setStringClaim("gitlab_instance_id", instanceId);
        claims.setStringListClaim("scopes", scopes);
        if (globalUserId != null) {
            claims.setStringClaim("gitlab_global_user_id", globalUserId);
        }

        SigningKeyStore.ActiveKey key = keys.active();
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setKeyIdHeaderValue(key.kid());
        jws.setHeader("typ", "JWT");
        jws.setKey(key.privateKey());
        try {
            return new MintedToken(jws.getCompactSerialization(), now, expiresAt);
        } catch (JoseException e) {
            throw new IllegalStateException("Cannot sign a token with key " + key.kid(), e);
        }
    }
}
