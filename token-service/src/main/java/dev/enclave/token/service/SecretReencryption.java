package dev.enclave.token.service;

import dev.enclave.support.crypto.SecretCipher;
import dev.enclave.token.domain.SigningKey;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;

/**
 * Master-key rotation: start with the new key as {@code enclave.token.master-key} and the old one
 * in {@code enclave.token.previous-master-keys}; at start-up, before the signing key is loaded,
 * every signing key's private half stored under an old key is re-encrypted under the new one
 * (the only secret token-service encrypts; OAuth secrets are stored as digests). Once the log
 * says none are left, on every replica, drop the old key.
 *
 * <p>Each row is rewritten only if its ciphertext is still the one read (compare and set), so a
 * replica re-encrypting never overwrites another replica's rotation, promotion or deletion of a key.
 */
@ApplicationScoped
public class SecretReencryption {

    private static final Logger LOG = Logger.getLogger(SecretReencryption.class);

    private final SecretCipher cipher;

    public SecretReencryption(SecretCipher cipher) {
        this.cipher = cipher;
    }

    void onStart(@Observes @Priority(5) StartupEvent event) {
        int count = reencryptAll();
        if (count > 0) {
            LOG.infof("Re-encrypted %d signing key(s) under the current master key; once every replica runs with it, "
                    + "enclave.token.previous-master-keys may be removed", count);
        }
    }

    /**
     * @return how many signing keys were moved off a previous master key
     * @throws IllegalStateException naming a key that no configured master key opens
     */
    public int reencryptAll() {
        List<SigningKey> keys = QuarkusTransaction.requiringNew().call(() -> SigningKey.<SigningKey>listAll());
        int count = 0;
        for (SigningKey key : keys) {
            Optional<String> reencrypted;
            try {
                reencrypted = cipher.reencrypted(key.privateKeyEncrypted, key.kid);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("Cannot read the private key of signing key " + key.kid + " (" + e.getMessage()
                        + "): start with the master key it was stored under in enclave.token.master-key or "
                        + "enclave.token.previous-master-keys", e);
            }
            if (reencrypted.isPresent()) {
                count += QuarkusTransaction.requiringNew().call(() -> SigningKey.update(
                        "privateKeyEncrypted = ?1 where kid = ?2 and privateKeyEncrypted = ?3",
                        reencrypted.get(), key.kid, key.privateKeyEncrypted));
            }
        }
        return count;
    }
}
