package dev.enclave.instance.service;

import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.support.crypto.SecretCipher;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Master-key rotation: start with the new key as {@code master-key} and the old one in
 * {@code previous-master-keys}; every stored secret under an old key is re-encrypted under the new
 * one, in one transaction, at start-up. Once the log says none are left, drop the old key.
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
            LOG.infof("Re-encrypted %d stored secret(s) under the current master key; previous keys may now be removed",
                    count);
        }
    }

    @Transactional
    public int reencryptAll() {
        int count = 0;
        List<SelfHostedModel> models = SelfHostedModel.list("apiTokenEncrypted is not null");
        for (SelfHostedModel model : models) {
            String aad = SelfHostedModels.associatedData(model);
            if (cipher.isUnderPreviousKey(model.apiTokenEncrypted, aad)) {
                model.apiTokenEncrypted = cipher.encrypt(cipher.decrypt(model.apiTokenEncrypted, aad), aad);
                count++;
            }
        }
        return count;
    }
}
