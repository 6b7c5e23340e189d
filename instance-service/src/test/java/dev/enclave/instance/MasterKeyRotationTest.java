package dev.enclave.instance;

import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.service.SecretReencryption;
import dev.enclave.support.crypto.SecretCipher;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A new master key with the old one still listed: stored secrets are read, then re-encrypted. */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
@TestProfile(MasterKeyRotationTest.Rotated.class)
class MasterKeyRotationTest {

    static final String OLD = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    static final String NEW = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

    public static class Rotated implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("enclave.instance.master-key", NEW, "enclave.instance.previous-master-keys", OLD);
        }
    }

    @Inject
    TestData data;

    @Inject
    SecretCipher cipher;

    @Inject
    SecretReencryption reencryption;

    @Test
    void secretsUnderThePreviousKeyAreReadThenReencryptedUnderTheNewOne() {
        SelfHostedModel model = data.model(null);
        String aad = "ai_self_hosted_models:" + model.id;
        String underOld = SecretCipher.of(OLD, List.of()).encrypt("sk-old".getBytes(StandardCharsets.UTF_8), aad);
        QuarkusTransaction.requiringNew().run(() ->
                ((SelfHostedModel) SelfHostedModel.findById(model.id)).apiTokenEncrypted = underOld);

        assertThat(new String(cipher.decrypt(underOld, aad), StandardCharsets.UTF_8)).isEqualTo("sk-old");
        assertThat(reencryption.reencryptAll()).isEqualTo(1);
        assertThat(reencryption.reencryptAll()).isZero();

        String stored = data.storedCiphertext(model.id);
        assertThat(stored).isNotEqualTo(underOld);
        assertThat(new String(SecretCipher.of(NEW, List.of()).decrypt(stored, aad), StandardCharsets.UTF_8))
                .isEqualTo("sk-old");
        assertThatThrownBy(() -> SecretCipher.of(OLD, List.of()).decrypt(stored, aad))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aKeyNoConfiguredMasterKeyOpensIsNamedAndLeftAsItIs() {
        SelfHostedModel model = data.model(null);
        String aad = "ai_self_hosted_models:" + model.id;
        String underAnother = SecretCipher.of("QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=", List.of())
                .encrypt("sk-lost".getBytes(StandardCharsets.UTF_8), aad);
        QuarkusTransaction.requiringNew().run(() ->
                ((SelfHostedModel) SelfHostedModel.findById(model.id)).apiTokenEncrypted = underAnother);
        try {
            assertThatThrownBy(() -> reencryption.reencryptAll()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("self-hosted model " + model.id + " (" + model.name + ")")
                    .hasMessageContaining("enclave.instance.previous-master-keys")
                    .hasMessageNotContaining("sk-lost");
            assertThat(data.storedCiphertext(model.id)).isEqualTo(underAnother);
        } finally {
            QuarkusTransaction.requiringNew().run(() -> SelfHostedModel.deleteById(model.id));
        }
    }

    @Test
    void aCiphertextMovedToAnotherRowDoesNotDecrypt() {
        SelfHostedModel one = data.model("sk-one");
        SelfHostedModel two = data.model("sk-two");
        assertThatThrownBy(() -> cipher.decrypt(data.storedCiphertext(one.id), "ai_self_hosted_models:" + two.id))
                .isInstanceOf(IllegalStateException.class);
    }
}
