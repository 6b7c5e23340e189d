package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.domain.IssuedAccessToken;
import dev.enclave.token.domain.OAuthApplication;
import jakarta.enterprise.context.ApplicationScoped;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import java.time.Instant;
import java.util.UUID;

/** Signs OAuth access tokens as RFC 9068 JWTs and records their jti for later revocation. */
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

        JwtClaims claims = new JwtClaims();
        claims.setIssuer(config.issuer());
        claims.setSubject(subject);
        claims.setAudience(audience);
        claims.setClaim("client_id", client.uid);
        claims.setClaim("scope", scope);
        claims.setJwtId(jti);
        claims.setIssuedAt(NumericDate.fromSeconds(now.getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(expiresAt.getEpochSecond()));

        SigningKeyStore.ActiveKey key = keys.active();
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setKeyIdHeaderValue(key.kid());
        jws.setHeader("typ", TOKEN_TYPE);
        jws.setKey(key.privateKey());
        String token;
        try {
            token = jws.getCompactSerialization();
        } catch (JoseException e) {
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
