package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import io.smallrye.jwt.build.JwtException;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.Claims;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Mints the RS256 tokens the instance hands to the AI gateway, with the claims GitLab's
 * self-issued tokens carry, through SmallRye JWT's build API with the active signing key.
 * Header: {@code alg} RS256, {@code kid}, {@code typ} JWT.
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

        JwtClaimsBuilder claims = Jwt.claims()
                .claim(Claims.jti, UUID.randomUUID().toString())
                .audience(AI_GATEWAY_AUDIENCE)
                .subject(instanceId)
                .issuer(config.issuer())
                .issuedAt(now)
                .claim(Claims.nbf, now.minusSeconds(NOT_BEFORE_LEEWAY_SECONDS))
                .expiresAt(expiresAt)
                .claim("gitlab_realm", config.realm())
                .claim("gitlab_instance_id", instanceId)
                .claim("scopes", scopes);
        if (globalUserId != null) {
            claims.claim("gitlab_global_user_id", globalUserId);
        }

        SigningKeyStore.ActiveKey key = keys.active();
        try {
            String token = claims.jws()
                    .algorithm(SignatureAlgorithm.RS256)
                    .keyId(key.kid())
                    .type("JWT")
                    .sign(key.privateKey());
            return new MintedToken(token, now, expiresAt);
        } catch (JwtException e) {
            throw new IllegalStateException("Cannot sign a token with key " + key.kid(), e);
        }
    }
}
