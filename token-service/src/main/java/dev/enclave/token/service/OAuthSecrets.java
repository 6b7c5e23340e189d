package dev.enclave.token.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Random credentials (client ids and secrets, codes, refresh tokens) and their stored digests.
 * They carry 256 bits of entropy, so an unsalted SHA-256 is enough to store and look them up.
 */
public final class OAuthSecrets {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int RANDOM_BYTES = 32;

    private OAuthSecrets() {
    }

    /** 64 hex characters. */
    public static String random() {
        byte[] raw = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(raw);
        return HexFormat.of().formatHex(raw);
    }

    public static String digest(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    /** Constant-time, so the comparison does not tell how much of a guess was right. */
    public static boolean matches(String secret, String expectedDigest) {
        return MessageDigest.isEqual(sha256(secret), HexFormat.of().parseHex(expectedDigest));
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }
}
