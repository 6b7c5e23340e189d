package dev.enclave.token.service;

import dev.enclave.support.crypto.SecretCipher;
import dev.enclave.token.config.TokenServiceConfig;
import dev.enclave.token.domain.SigningKey;
import dev.enclave.token.rest.DiscoveryResource;
import dev.enclave.token.rest.OAuthException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.core.Response;
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
 * Owns the RSA signing keys: creates the first one, rotates them, hands out the signing private
 * key, and lists the public keys that verifiers must still accept.
 *
 * <p>The database allows one signing key and one next key (a unique index on
 * {@code signing_slot}): two replicas starting on an empty database both try to create the first
 * key, one insert wins, and the other replica adopts the winner's key.
 *
 * <p>Rotation publishes before it signs. The new key is <em>next</em>: in the JWKS at once, but
 * it signs only from {@code signs_from} = creation + {@code publish-delay} (longer than the JWKS
 * {@code max-age}), while the old key goes on signing. So no verifier, whether it caches the key
 * set for {@code max-age} or refetches on an unknown kid, meets a kid it could not have fetched.
 * At the first key check after {@code signs_from} a replica promotes the next key and retires the
 * old one; the other replicas pick that up within one {@code check-interval}.
 *
 * <p>A retired key stays published until every token it can have signed has expired: the longest
 * token lifetime plus one {@code check-interval} (the most another replica can go on signing with
 * it before it re-reads the signing key). Then its row, private half included, is deleted.
 */
@ApplicationScoped
public class SigningKeyStore {

    private static final Logger LOG = Logger.getLogger(SigningKeyStore.class);
    private static final int RSA_BITS = 2048;

    /** The private key is decrypted once and kept in memory; signing must not hit the database. */
    public record ActiveKey(String kid, PrivateKey privateKey, Instant signsFrom) {
        @Override
        public String toString() {
            return "ActiveKey[kid=" + kid + "]";
        }
    }

    /** @param signsFrom when {@code kid} starts signing (until then {@code previousKid} signs) */
    public record Rotation(String previousKid, String kid, Instant signsFrom) {
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
        if (config.keys().publishDelay().toSeconds() <= DiscoveryResource.JWKS_MAX_AGE_SECONDS) {
            LOG.warnf("enclave.token.keys.publish-delay (%s) is not longer than the JWKS max-age (%d s): a verifier "
                    + "caching the key set may meet a new key's kid before it can have fetched it",
                    config.keys().publishDelay(), DiscoveryResource.JWKS_MAX_AGE_SECONDS);
        }
        active = ensureSigningKey();
        LOG.infof("Signing with key %s", active.kid());
    }

    public ActiveKey active() {
        ActiveKey current = active;
        if (current == null) {
            current = ensureSigningKey();
            active = current;
        }
        return current;
    }

    /** Public keys of every key whose tokens can still be valid, or soon will be: newest first. */
    @Transactional
    public List<PublicJsonWebKey> publishedKeys() {
        return SigningKey.listPublishable(publicationCutoff()).stream().map(SigningKeyStore::parsePublic).toList();
    }

    /** Every stored key, newest first, for the admin listing. */
    @Transactional
    public List<SigningKey> listKeys() {
        return SigningKey.list("order by createdAt desc");
    }

    /**
     * Publishes a new key that starts signing after the publish delay.
     *
     * @throws OAuthException 409 {@code rotation_pending} while an earlier rotation's key has not started signing
     */
    public Rotation rotate() {
        Rotation rotation = QuarkusTransaction.requiringNew().call(() -> publishNext(null, true))
                .orElseThrow(() -> new IllegalStateException("No signing key to rotate"));
        LOG.infof("Rotation requested: key %s published, signs from %s; %s signs until then", rotation.kid(),
                rotation.signsFrom(), rotation.previousKid());
        return rotation;
    }

    /**
     * Re-reads the signing key (another replica may have rotated), promotes the next key once its
     * {@code signs_from} has come, publishes a next key when the signing one is older than the
     * rotation interval, and deletes keys past their publication window.
     */
    @Scheduled(every = "${enclave.token.keys.check-interval}", delayed = "${enclave.token.keys.check-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void maintain() {
        ActiveKey current = ensureSigningKey();
        Instant now = clock.instant();
        if (promoteNextIfDue(now)) {
            current = ensureSigningKey();
        } else if (!current.signsFrom().plus(config.keys().rotationInterval()).isAfter(now)) {
            String due = current.kid();
            QuarkusTransaction.requiringNew().call(() -> publishNext(due, false)).ifPresent(r -> LOG.infof(
                    "Scheduled rotation: key %s published, signs from %s, then replaces %s", r.kid(), r.signsFrom(),
                    r.previousKid()));
        }
        active = current;
        long purged = QuarkusTransaction.requiringNew().call(() ->
                SigningKey.delete("retiredAt is not null and retiredAt <= ?1", publicationCutoff()));
        if (purged > 0) {
            LOG.infof("Deleted %d signing key(s) whose tokens have all expired", purged);
        }
    }

    /**
     * Creates the next key. Locks the signing key's row so that two replicas cannot rotate at once
     * (the unique slot index would refuse a second next key anyway).
     *
     * @param expectedKid when set, nothing happens unless that key still signs (scheduled rotation)
     * @param refuseIfPending answer 409 rather than nothing when a next key already waits
     */
    private Optional<Rotation> publishNext(String expectedKid, boolean refuseIfPending) {
        Optional<SigningKey> locked = SigningKey.findSigningForUpdate();
        if (locked.isEmpty() || (expectedKid != null && !expectedKid.equals(locked.get().kid))) {
            return Optional.empty();
        }
        Optional<SigningKey> pending = SigningKey.findNext();
        if (pending.isPresent()) {
            if (refuseIfPending) {
                throw new OAuthException(Response.Status.CONFLICT, "rotation_pending", "Key " + pending.get().kid
                        + " is already published and starts signing at " + pending.get().signsFrom
                        + "; rotate again after that");
            }
            return Optional.empty();
        }
        Instant now = clock.instant();
        SigningKey next = generate(now, now.plus(config.keys().publishDelay()));
        next.signingSlot = SigningKey.NEXT;
        next.persistAndFlush();
        return Optional.of(new Rotation(locked.get().kid, next.kid, next.signsFrom));
    }

    /**
     * Makes the next key the signing one once its time has come, retiring the old one, in one
     * transaction. Of two replicas doing it at once, the one that waited on the row lock finds
     * nothing left to do.
     */
    private boolean promoteNextIfDue(Instant now) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Optional<SigningKey> signing = SigningKey.findSigningForUpdate();
            Optional<SigningKey> next = SigningKey.findNext();
            if (signing.isEmpty() || next.isEmpty() || next.get().signsFrom.isAfter(now)) {
                return false;
            }
            // Two statements in this order: the unique index never sees two signing keys.
            SigningKey.update("signingSlot = null, retiredAt = ?1 where kid = ?2 and signingSlot = ?3", now,
                    signing.get().kid, SigningKey.SIGNING);
            SigningKey.update("signingSlot = ?1 where kid = ?2 and signingSlot = ?3", SigningKey.SIGNING,
                    next.get().kid, SigningKey.NEXT);
            LOG.infof("Key %s signs from now on; %s retired", next.get().kid, signing.get().kid);
            return true;
        });
    }

    /** The signing key, creating the first one if the database has none. */
    ActiveKey ensureSigningKey() {
        Optional<ActiveKey> existing = readSigning();
        if (existing.isPresent()) {
            return existing.get();
        }
        Instant now = clock.instant();
        // The first key signs at once: no verifier can hold a token of any other key.
        return installOrAdopt(generate(now, now));
    }

    /**
     * Stores {@code candidate} as the signing key, unless another replica stored one first: then
     * the unique index refuses the insert, and this replica adopts the winner's key.
     */
    ActiveKey installOrAdopt(SigningKey candidate) {
        candidate.signingSlot = SigningKey.SIGNING;
        try {
            QuarkusTransaction.requiringNew().run(candidate::persistAndFlush);
            LOG.infof("Created signing key %s", candidate.kid);
        } catch (RuntimeException e) {
            Optional<ActiveKey> winner = readSigning();
            if (winner.isEmpty()) {
                throw e;
            }
            LOG.infof("Another replica created the signing key %s first; using it", winner.get().kid());
            return winner.get();
        }
        return readSigning().orElseThrow(() -> new IllegalStateException("Signing key " + candidate.kid
                + " vanished right after it was created"));
    }

    private Optional<ActiveKey> readSigning() {
        return QuarkusTransaction.requiringNew().call(() -> SigningKey.findSigning().map(this::toActive));
    }

    private ActiveKey toActive(SigningKey key) {
        ActiveKey current = active;
        if (current != null && current.kid().equals(key.kid)) {
            return current;
        }
        return new ActiveKey(key.kid, decryptPrivate(key), key.signsFrom);
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

    /** A new key pair, its private half encrypted; not stored, and in no slot yet. */
    SigningKey generate(Instant createdAt, Instant signsFrom) {
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
            key.createdAt = createdAt;
            key.signsFrom = signsFrom;
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
