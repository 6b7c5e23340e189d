package dev.enclave.token.crypto;

import dev.enclave.support.crypto.MasterKeyLoader;
import dev.enclave.support.crypto.SecretCipher;
import dev.enclave.token.config.TokenServiceConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** token-service's master keys ({@code enclave.token.master-key} and the previous ones) as the cipher of its secrets at rest. */
public class MasterKeys {

    @Produces
    @Singleton
    SecretCipher secretCipher(TokenServiceConfig config) {
        return SecretCipher.load(new MasterKeyLoader.Settings("enclave.token", config.masterKey(),
                config.previousMasterKeys(), config.generateMasterKey(), config.masterKeyFile()));
    }
}
