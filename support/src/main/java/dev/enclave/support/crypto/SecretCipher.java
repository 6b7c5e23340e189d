package dev.enclave.support.crypto;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * AES-256-GCM for secrets at rest. The associated data binds a ciphertext to the row it belongs
 * to, so a ciphertext copied onto another row fails to decrypt.
 *
 * <p>Master-key rotation: secrets are always written under the current master key; the previous
 * keys are only read, until {@link #reencrypted} has moved every stored secret off them. Not a CDI
 * bean: each service that stores secrets produces one from its own settings ({@link #load}).
 */
public final class SecretCipher {

    private static final String FORMAT_PREFIX = "v1.";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey masterKey;
    private final List<SecretKey> previousKeys;
    private final SecureRandom random = new SecureRandom();

    /** @param previousKeys keys of before a master-key rotation: still read, never written */
    public SecretCipher(SecretKey masterKey, List<SecretKey> previousKeys) {
        this.masterKey = masterKey;
        this.previousKeys = List.copyOf(previousKeys);
    }

    /** @throws IllegalStateException when a key is missing or malformed, naming the setting */
    public static SecretCipher load(MasterKeyLoader.Settings settings) {
        return new SecretCipher(MasterKeyLoader.current(settings), MasterKeyLoader.previous(settings));
    }

    /** For tools and tests that hold the raw keys (base64 of 32 bytes each). */
    public static SecretCipher of(String masterKey, List<String> previousKeys) {
        return new SecretCipher(MasterKeyLoader.decode(masterKey, "master key"),
                previousKeys.stream().map(k -> MasterKeyLoader.decode(k, "previous master key")).toList());
    }

    public String encrypt(byte[] plaintext, String associatedData) {
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, masterKey, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            ByteBuffer out = ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed);
            return FORMAT_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Decrypts with the current master key, or a previous one after a rotation.
     *
     * @throws IllegalStateException when no configured key opens it: a wrong key, another row's
     *                               associated data, or tampered data
     */
    public byte[] decrypt(String encoded, String associatedData) {
        byte[] plaintext = open(masterKey, encoded, associatedData);
        for (int i = 0; plaintext == null && i < previousKeys.size(); i++) {
            plaintext = open(previousKeys.get(i), encoded, associatedData);
        }
        if (plaintext == null) {
            throw new IllegalStateException("Cannot decrypt a stored secret: no configured master key opens it, "
                    + "or the data was tampered with");
        }
        return plaintext;
    }

    /** @return whether the ciphertext is not under the current master key (and so should be re-encrypted) */
    public boolean isUnderPreviousKey(String encoded, String associatedData) {
        return open(masterKey, encoded, associatedData) == null;
    }

    /**
     * @return the secret encrypted under the current master key when it is stored under a previous
     *         one; empty when it already is under the current key
     * @throws IllegalStateException when no configured key opens it
     */
    public Optional<String> reencrypted(String encoded, String associatedData) {
        if (!isUnderPreviousKey(encoded, associatedData)) {
            return Optional.empty();
        }
        return Optional.of(encrypt(decrypt(encoded, associatedData), associatedData));
    }

    /** @return the plaintext, or null when this key does not open the ciphertext (wrong key or tampered) */
    private static byte[] open(SecretKey key, String encoded, String associatedData) {
        if (!encoded.startsWith(FORMAT_PREFIX)) {
            throw new IllegalStateException("Unknown ciphertext format (expected prefix " + FORMAT_PREFIX + ")");
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(encoded.substring(FORMAT_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("A stored secret is not valid base64url after its " + FORMAT_PREFIX
                    + " prefix");
        }
        if (raw.length < IV_BYTES + TAG_BITS / 8) {
            return null;
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, raw, 0, IV_BYTES));
            cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(raw, IV_BYTES, raw.length - IV_BYTES);
        } catch (AEADBadTagException e) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }
}
