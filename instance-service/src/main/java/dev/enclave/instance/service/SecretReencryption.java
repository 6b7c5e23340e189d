package dev.enclave.instance.service;

import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.support.crypto.SecretCipher;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;

/**
 * Master-key rotation: start with the new key as {@code enclave.instance.master-key} and the old one
 * in {@code enclave.instance.previous-master-keys}; at start-up every model API key stored under an
 * old key is re-encrypted under the new one. Once the log says none are left, on every replica, drop
 * the old key.
 *
 * <p>Each row is rewritten in its own transaction and only if its ciphertext is still the one read
 * (compare and set): a replica re-encrypting never overwrites an API key an administrator changed
 * meanwhile through another replica, and one row's failure leaves the others' work in place.
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
            LOG.infof("Re-encrypted %d model API key(s) under the current master key; once every replica runs with it, "
                    + "enclave.instance.previous-master-keys may be removed", count);
        }
    }

    /**
     * @return how many API keys were moved off a previous master key
     * @throws IllegalStateException naming a model whose API key no configured master key opens
     */
    public int reencryptAll() {
        List<SelfHostedModel> models = QuarkusTransaction.requiringNew().call(() ->
                SelfHostedModel.<SelfHostedModel>list("apiTokenEncrypted is not null"));
        int count = 0;
        for (SelfHostedModel model : models) {
            String aad = SelfHostedModels.associatedData(model);
            Optional<String> reencrypted;
            try {
                reencrypted = cipher.reencrypted(model.apiTokenEncrypted, aad);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("Cannot read the API key of self-hosted model " + model.id + " ("
                        + model.name + "): " + e.getMessage() + "; start with the master key it was stored under in "
                        + "enclave.instance.master-key or enclave.instance.previous-master-keys", e);
            }
            if (reencrypted.isPresent()) {
                count += QuarkusTransaction.requiringNew().call(() -> SelfHostedModel.update(
                        "apiTokenEncrypted = ?1 where id = ?2 and apiTokenEncrypted = ?3",
                        reencrypted.get(), model.id, model.apiTokenEncrypted));
            }
        }
        return count;
    }
}
