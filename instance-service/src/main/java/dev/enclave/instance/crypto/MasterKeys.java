package dev.enclave.instance.crypto;

import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.support.crypto.MasterKeyLoader;
import dev.enclave.support.crypto.SecretCipher;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** instance-service's master keys ({@code enclave.instance.master-key} and the previous ones) as the cipher of its secrets at rest. */
public class MasterKeys {

    @Produces
    @Singleton
    SecretCipher secretCipher(InstanceConfig config) {
        return SecretCipher.load(new MasterKeyLoader.Settings("enclave.instance", config.masterKey(),
                config.previousMasterKeys(), config.generateMasterKey(), config.masterKeyFile()));
    }
}
