package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.crypto.SecretCipher;
import dev.enclave.token.domain.SigningKey;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.lang.JoseException;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Owns the RSA signing keys: creates the first one, hands out the active private key, and lists
 * the public keys that verifiers must still accept.
 */
@ApplicationScoped
public class SigningKeyStore {

    private static final Logger LOG = Logger.getLogger(SigningKeyStore.class);
    private static final int RSA_BITS = 2048;

    /** The private key is decrypted once and kept in memory; signing must not hit the database. */
    public record ActiveKey(String kid, PrivateKey privateKey) {
    }

    private final SecretCipher cipher;
    private final TokenServiceConfig config;
    private final Clock clock;
    private volatile ActiveKey active;

    public SigningKeyStore(SecretCipher cipher, TokenServiceConfig config, Clock clock) {
        this.cipher = cipher;
        this.config = config;
        this.clock = clock;
    }

    void onStart(@Observes StartupEvent event) {
        active = loadOrCreateActive();
        LOG.infof("Signing with key %s", active.kid());
    }

    public ActiveKey active() {
        ActiveKey current = active;
        if (current == null) {
            current = loadOrCreateActive();
            active = current;
        }
        return current;
    }

    /** Public keys of every key whose tokens can still be valid, newest first. */
    @Transactional
    public List<PublicJsonWebKey> publishedKeys() {
        Instant cutoff = clock.instant().minus(config.aiTokenLifetime());
        return SigningKey.listPublishable(cutoff).stream().map(SigningKeyStore::parsePublic).toList();
    }

    @Transactional
    ActiveKey loadOrCreateActive() {
        SigningKey key = SigningKey.findActive().orElseGet(this::createKey);
        return new ActiveKey(key.kid, decryptPrivate(key));
    }

    private SigningKey createKey() {
        try {
            RsaJsonWebKey jwk = RsaJwkGenerator.generateJwk(RSA_BITS);
            String kid = jwk.calculateBase64urlEncodedThumbprint("SHA-256");
            jwk.setKeyId(kid);
            jwk.setUse("sig");
            jwk.setAlgorithm("RS256");
            SigningKey key = new SigningKey();
            key.kid = kid;
            key.publicJwk = jwk.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
            key.privateKeyEncrypted = cipher.encrypt(jwk.getPrivateKey().getEncoded(), kid);
            key.createdAt = clock.instant();
            key.persist();
            LOG.infof("Created signing key %s", kid);
            return key;
        } catch (JoseException e) {
            throw new IllegalStateException("Cannot generate an RSA signing key", e);
        }
    }

    private PrivateKey decryptPrivate(SigningKey key) {
        byte[] pkcs8 = cipher.decrypt(key.privateKeyEncrypted, key.kid);
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Stored private key of " + key.kid + " is not a valid RSA key", e);
        }
    }

    private static PublicJsonWebKey parsePublic(SigningKey key) {
        try {
            return PublicJsonWebKey.Factory.newPublicJwk(key.publicJwk);
        } catch (JoseException e) {
            throw new IllegalStateException("Stored public key of " + key.kid + " is not a valid JWK", e);
        }
    }
}
