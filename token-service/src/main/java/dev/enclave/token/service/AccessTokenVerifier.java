package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Checks that a string is an unexpired OAuth access token this service signed, against the keys
 * it publishes, exactly as a verifier would: RS256 only (no {@code none}, no HMAC keyed with a
 * public key), {@code typ} {@code at+jwt}, our issuer. Revocation is the caller's business.
 */
@ApplicationScoped
public class AccessTokenVerifier {

    public record VerifiedAccessToken(String jti, String clientId, String subject, String audience, String scope,
                                      String issuer, Instant issuedAt, Instant expiresAt) {
    }

    private final SigningKeyStore keys;
    private final TokenServiceConfig config;
    private final Clock clock;

    public AccessTokenVerifier(SigningKeyStore keys, TokenServiceConfig config, Clock clock) {
        this.keys = keys;
        this.config = config;
        this.clock = clock;
    }

    public Optional<VerifiedAccessToken> verify(String token) {
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(List.<JsonWebKey>copyOf(keys.publishedKeys())))
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256)
                .setExpectedType(true, AccessTokenMinter.TOKEN_TYPE)
                .setExpectedIssuer(config.issuer())
                // aud is the instance for user tokens and the named service for client_credentials
                .setSkipDefaultAudienceValidation()
                .setRequireJwtId()
                .setRequireSubject()
                .setRequireIssuedAt()
                .setRequireExpirationTime()
                .setEvaluationTime(NumericDate.fromSeconds(clock.instant().getEpochSecond()))
                .build();
        try {
            JwtClaims claims = consumer.processToClaims(token);
            List<String> audience = claims.getAudience();
            String clientId = claims.getStringClaimValue("client_id");
            String scope = claims.getStringClaimValue("scope");
            if (audience.size() != 1 || clientId == null || scope == null) {
                return Optional.empty();
            }
            return Optional.of(new VerifiedAccessToken(claims.getJwtId(), clientId, claims.getSubject(),
                    audience.get(0), scope, claims.getIssuer(),
                    Instant.ofEpochSecond(claims.getIssuedAt().getValue()),
                    Instant.ofEpochSecond(claims.getExpirationTime().getValue())));
        } catch (InvalidJwtException | MalformedClaimException e) {
            // Not logged: jose4j's messages quote the token.
            return Optional.empty();
        }
    }
}
