package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.domain.IssuedAccessToken;
import dev.enclave.token.domain.OAuthApplication;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtException;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.Claims;

import java.time.Instant;
import java.util.UUID;

/**
 * Signs OAuth access tokens as RFC 9068 JWTs, through SmallRye JWT's build API with the active
 * signing key (header: {@code alg} RS256, {@code kid}, {@code typ} {@value #TOKEN_TYPE}), and
 * records their jti for later revocation.
 */
@ApplicationScoped
public class AccessTokenMinter {

    /** RFC 9068 section 2.1: tells an access token apart from an ID token or a self-issued AI token. */
    public static final String TOKEN_TYPE = "at+jwt";

    public record AccessToken(String token, String jti, Instant issuedAt, Instant expiresAt) {
    }

    private final SigningKeyStore keys;
    private final TokenServiceConfig config;

    public AccessTokenMinter(SigningKeyStore keys, TokenServiceConfig config) {
        this.keys = keys;
        this.config = config;
    }

    /**
     * @param now       whole seconds, so that {@code exp} − {@code iat} is exactly the lifetime
     * @param familyId  the refresh-token family it descends from; null for client_credentials
     */
    public AccessToken mint(OAuthApplication client, String subject, String audience, String scope,
                            String familyId, Instant now) {
        Instant expiresAt = now.plus(config.oauth().accessTokenLifetime());
        String jti = UUID.randomUUID().toString();

        SigningKeyStore.ActiveKey key = keys.active();
        String token;
        try {
            token = Jwt.claims()
                    .issuer(config.issuer())
                    .subject(subject)
                    .audience(audience)
                    .claim("client_id", client.uid)
                    .claim("scope", scope)
                    .claim(Claims.jti, jti)
                    .issuedAt(now)
                    .expiresAt(expiresAt)
                    .jws()
                    .algorithm(SignatureAlgorithm.RS256)
                    .keyId(key.kid())
                    .type(TOKEN_TYPE)
                    .sign(key.privateKey());
        } catch (JwtException e) {
            throw new IllegalStateException("Cannot sign an access token with key " + key.kid(), e);
        }

        IssuedAccessToken issued = new IssuedAccessToken();
        issued.jti = jti;
        issued.familyId = familyId;
        issued.application = client;
        issued.expiresAt = expiresAt;
        issued.persist();
        return new AccessToken(token, jti, now, expiresAt);
    }
}
