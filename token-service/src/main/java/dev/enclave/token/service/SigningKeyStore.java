package dev.enclave.token.service;

import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.crypto.SecretCipher;
import dev.enclave.token.domain.SigningKey;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Owns the RSA signing keys: creates the first one, rotates them, hands out the active private
 * key, and lists the public keys that verifiers must still accept.
 *
 * <p>Rotation retires the active key and signs with a new one at once. A retired key stays
 * published until every token it can have signed has expired: the longest token lifetime plus
 * one {@code check-interval}, the most another replica can go on signing with it before it
 * re-reads the active key. Then its row (private half included) is deleted.
 */
@ApplicationScoped
public class SigningKeyStore {

    private static final Logger LOG = Logger.getLogger(SigningKeyStore.class);
    private static final int RSA_BITS = 2048;

    /** The private key is decrypted once and kept in memory; signing must not hit the database. */
    public record ActiveKey(String kid, PrivateKey privateKey, Instant createdAt) {
        @Override
        public String toString() {
            return "ActiveKey[kid=" + kid + "]";
        }
    }

    public record Rotation(String previousKid, String kid) {
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
        return SigningKey.listPublishable(publicationCutoff()).stream().map(SigningKeyStore::parsePublic).toList();
    }

    /** Every stored key, newest first, for the admin listing. */
    @Transactional
    public List<SigningKey> listKeys() {
        return SigningKey.list("order by createdAt desc");
    }

    /** Retires the active key and signs with a new one from now on. */
    @Transactional
    public Rotation rotate() {
        Rotation rotation = rotateIfActive(null).orElseThrow(() ->
                new IllegalStateException("No active signing key to rotate"));
        active = loadOrCreateActive();
        return rotation;
    }

    /**
     * Re-reads the active key (another replica may have rotated), rotates it when it is older
     * than the rotation interval, and deletes keys past their publication window.
     */
    @Scheduled(every = "${enclave.token.keys.check-interval}", delayed = "${enclave.token.keys.check-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    public void maintain() {
        ActiveKey current = loadOrCreateActive();
        if (!current.createdAt().plus(config.keys().rotationInterval()).isAfter(clock.instant())) {
            rotateIfActive(current.kid()).ifPresent(r -> LOG.infof("Scheduled rotation: %s replaced %s", r.kid(),
                    r.previousKid()));
            current = loadOrCreateActive();
        }
        active = current;
        long purged = SigningKey.delete("retiredAt is not null and retiredAt <= ?1", publicationCutoff());
        if (purged > 0) {
            LOG.infof("Deleted %d signing key(s) whose tokens have all expired", purged);
        }
    }

    /**
     * Locks the active key row so that two replicas cannot rotate at once; with
     * {@code expectedKid} set, does nothing unless that key is still the active one.
     */
    private Optional<Rotation> rotateIfActive(String expectedKid) {
        Optional<SigningKey> locked = SigningKey.findActiveForUpdate();
        if (locked.isEmpty() || (expectedKid != null && !expectedKid.equals(locked.get().kid))) {
            return Optional.empty();
        }
        SigningKey previous = locked.get();
        previous.retiredAt = clock.instant();
        SigningKey next = createKey();
        LOG.infof("Rotated signing key: %s retired, %s active", previous.kid, next.kid);
        return Optional.of(new Rotation(previous.kid, next.kid));
    }

    /** Keys retired at or before this instant can no longer have a valid token. */
    private Instant publicationCutoff() {
        return clock.instant().minus(longestTokenLifetime().plus(config.keys().checkInterval()));
    }

    /** Of everything signed here: AI tokens (instance and user-bound) and OAuth access tokens. */
    private Duration longestTokenLifetime() {
        Duration longest = config.aiTokenLifetime();
        for (Duration lifetime : new Duration[]{config.userAiTokenLifetime(), config.oauth().accessTokenLifetime()}) {
            if (lifetime.compareTo(longest) > 0) {
                longest = lifetime;
            }
        }
        return longest;
    }

    @Transactional
    ActiveKey loadOrCreateActive() {
        SigningKey key = SigningKey.findActive().orElseGet(this::createKey);
        ActiveKey current = active;
        if (current != null && current.kid().equals(key.kid)) {
            return current;
        }
        return new ActiveKey(key.kid, decryptPrivate(key), key.createdAt);
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
            key.persistAndFlush();
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
