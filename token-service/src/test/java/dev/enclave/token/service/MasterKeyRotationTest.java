package dev.enclave.token.service;

import dev.enclave.support.crypto.SecretCipher;
import dev.enclave.token.domain.SigningKey;
import io.quarkus.arc.ClientProxy;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwk.PublicJsonWebKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Master-key rotation in token-service: a new master key with the old one still listed; signing
 * keys stored under the old key are read (and sign), then re-encrypted under the new one.
 */
@QuarkusTest
@TestProfile(MasterKeyRotationTest.Rotated.class)
class MasterKeyRotationTest {

    static final String OLD = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    static final String NEW = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

    public static class Rotated implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.token.master-key", NEW, "enclave.token.previous-master-keys", OLD);
        }
    }

    @Inject
    SigningKeyStore injected;

    @Inject
    SecretCipher cipher;

    @Inject
    SecretReencryption reencryption;

    SigningKeyStore store() {
        return ClientProxy.unwrap(injected);
    }

    static String stored(String kid) {
        return QuarkusTransaction.requiringNew().call(() ->
                SigningKey.<SigningKey>findByIdOptional(kid).orElseThrow().privateKeyEncrypted);
    }

    /** A key as a token-service of before the rotation stored it: its private half under the old master key. */
    SigningKey underOldMasterKey() {
        Instant now = Instant.now();
        SigningKey key = store().generate(now, now);
        byte[] pkcs8 = cipher.decrypt(key.privateKeyEncrypted, key.kid);
        key.privateKeyEncrypted = SecretCipher.of(OLD, List.of()).encrypt(pkcs8, key.kid);
        return key;
    }

    /** The application goes on with a signing key under the current master key. */
    @AfterEach
    void cleanUp() {
        QuarkusTransaction.requiringNew().run(() -> SigningKey.deleteAll());
        store().maintain();
    }

    @Test
    void aSigningKeyUnderThePreviousMasterKeySignsThenIsReencryptedUnderTheNewOne() throws Exception {
        QuarkusTransaction.requiringNew().run(() -> SigningKey.deleteAll());
        SigningKey old = underOldMasterKey();
        String underOld = old.privateKeyEncrypted;
        old.signingSlot = SigningKey.SIGNING;
        QuarkusTransaction.requiringNew().run(old::persistAndFlush);

        SigningKeyStore.ActiveKey active = store().ensureSigningKey();
        assertThat(active.kid()).isEqualTo(old.kid);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload("{\"sub\":\"rotation\"}");
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setKey(active.privateKey());
        String signed = jws.getCompactSerialization();
        JsonWebSignature check = new JsonWebSignature();
        check.setCompactSerialization(signed);
        check.setKey(PublicJsonWebKey.Factory.newPublicJwk(old.publicJwk).getPublicKey());
        assertThat(check.verifySignature()).as("the old key's private half is the one published").isTrue();

        assertThat(reencryption.reencryptAll()).isEqualTo(1);
        assertThat(reencryption.reencryptAll()).isZero();

        String now = stored(old.kid);
        assertThat(now).isNotEqualTo(underOld);
        assertThat(SecretCipher.of(NEW, List.of()).decrypt(now, old.kid))
                .isEqualTo(SecretCipher.of(OLD, List.of()).decrypt(underOld, old.kid))
                .isEqualTo(active.privateKey().getEncoded());
        assertThatThrownBy(() -> SecretCipher.of(OLD, List.of()).decrypt(now, old.kid))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPrivateKeyMovedToAnotherKeysRowDoesNotDecryptAndStopsReencryptionNamingTheRow() {
        SigningKey one = underOldMasterKey();
        SigningKey two = underOldMasterKey();

        assertThatThrownBy(() -> cipher.decrypt(one.privateKeyEncrypted, two.kid)).isInstanceOf(IllegalStateException.class);

        two.privateKeyEncrypted = one.privateKeyEncrypted;
        QuarkusTransaction.requiringNew().run(two::persistAndFlush);
        assertThatThrownBy(() -> reencryption.reencryptAll()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("signing key " + two.kid)
                .hasMessageContaining("enclave.token.previous-master-keys");
        assertThat(stored(two.kid)).as("left as it was").isEqualTo(one.privateKeyEncrypted);
    }
}
