package dev.enclave.support.crypto;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretCipherTest {

    static final String OLD = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    static final String NEW = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void whatIsEncryptedDecryptsWithTheSameAssociatedData() {
        SecretCipher cipher = SecretCipher.of(NEW, List.of());
        String sealed = cipher.encrypt(bytes("sk-live"), "row:1");

        assertThat(sealed).startsWith("v1.").doesNotContain("sk-live");
        assertThat(cipher.encrypt(bytes("sk-live"), "row:1")).as("a fresh IV each time").isNotEqualTo(sealed);
        assertThat(cipher.decrypt(sealed, "row:1")).isEqualTo(bytes("sk-live"));
        assertThat(cipher.isUnderPreviousKey(sealed, "row:1")).isFalse();
        assertThat(cipher.reencrypted(sealed, "row:1")).isEmpty();
    }

    @Test
    void aCiphertextMovedToAnotherRowDoesNotDecrypt() {
        SecretCipher cipher = SecretCipher.of(NEW, List.of(OLD));
        String sealed = cipher.encrypt(bytes("sk-one"), "row:1");

        assertThatThrownBy(() -> cipher.decrypt(sealed, "row:2")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no configured master key opens it");
    }

    @Test
    void tamperedCiphertextsAndForeignFormatsAreRefused() {
        SecretCipher cipher = SecretCipher.of(NEW, List.of());
        String sealed = cipher.encrypt(bytes("sk-one"), "row:1");
        // Flip one bit of the decoded bytes (the last base64 character may carry unused bits, so
        // editing the text itself can leave the bytes unchanged).
        byte[] raw = java.util.Base64.getUrlDecoder().decode(sealed.substring(3));
        raw[raw.length - 1] ^= 0x01;
        String flipped = "v1." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw);

        assertThatThrownBy(() -> cipher.decrypt(flipped, "row:1")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> cipher.decrypt("v1.AAAA", "row:1")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> cipher.decrypt("v2." + sealed.substring(3), "row:1"))
                .hasMessageContaining("Unknown ciphertext format");
    }

    @Test
    void afterARotationOldSecretsAreReadThenReencryptedUnderTheNewKey() {
        String underOld = SecretCipher.of(OLD, List.of()).encrypt(bytes("sk-old"), "row:7");
        SecretCipher rotated = SecretCipher.of(NEW, List.of(OLD));

        assertThat(rotated.decrypt(underOld, "row:7")).isEqualTo(bytes("sk-old"));
        assertThat(rotated.isUnderPreviousKey(underOld, "row:7")).isTrue();
        String underNew = rotated.reencrypted(underOld, "row:7").orElseThrow();

        assertThat(rotated.reencrypted(underNew, "row:7")).isEmpty();
        assertThat(SecretCipher.of(NEW, List.of()).decrypt(underNew, "row:7")).isEqualTo(bytes("sk-old"));
        assertThatThrownBy(() -> SecretCipher.of(OLD, List.of()).decrypt(underNew, "row:7"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> rotated.reencrypted(underOld, "row:8")).as("moved rows stay unreadable")
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void withoutThePreviousKeyAnOldSecretCannotBeRead() {
        String underOld = SecretCipher.of(OLD, List.of()).encrypt(bytes("sk-old"), "row:7");

        assertThatThrownBy(() -> SecretCipher.of(NEW, List.of()).decrypt(underOld, "row:7"))
                .isInstanceOf(IllegalStateException.class);
    }
}
