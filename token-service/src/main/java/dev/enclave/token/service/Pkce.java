package dev.enclave.token.service;

import dev.enclave.token.rest.OAuthException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.regex.Pattern;

/** RFC 7636 Proof Key for Code Exchange, method {@code S256} only ({@code plain} protects nothing). */
public final class Pkce {

    public static final String S256 = "S256";

    /** Section 4.1: 43 to 128 unreserved characters. */
    private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9\\-._~]{43,128}");
    /** BASE64URL without padding of a SHA-256 digest: exactly 43 characters. */
    private static final Pattern S256_CHALLENGE = Pattern.compile("[A-Za-z0-9\\-_]{43}");

    private Pkce() {
    }

    /**
     * The challenge a grant stores, or null for a grant without PKCE.
     *
     * @throws OAuthException {@code invalid_request} for a method other than S256 (also when the
     *                        method is missing: RFC 7636 would default to {@code plain}), a malformed
     *                        challenge, or a method without a challenge
     */
    public static String requireS256Challenge(String challenge, String method) {
        boolean hasChallenge = challenge != null && !challenge.isEmpty();
        boolean hasMethod = method != null && !method.isEmpty();
        if (!hasChallenge) {
            if (hasMethod) {
                throw OAuthException.invalidRequest("code_challenge_method without code_challenge");
            }
            return null;
        }
        if (!S256.equals(method)) {
            throw OAuthException.invalidRequest("code_challenge_method must be S256 (plain is not supported)");
        }
        if (!S256_CHALLENGE.matcher(challenge).matches()) {
            throw OAuthException.invalidRequest(
                    "code_challenge must be BASE64URL(SHA-256(code_verifier)) without padding: 43 characters");
        }
        return challenge;
    }

    /** Section 4.6: BASE64URL(SHA-256(ASCII(code_verifier))) == code_challenge, compared in constant time. */
    public static boolean verifies(String verifier, String challenge) {
        if (verifier == null || challenge == null || !VERIFIER.matcher(verifier).matches()) {
            return false;
        }
        return MessageDigest.isEqual(s256(verifier).getBytes(StandardCharsets.US_ASCII),
                challenge.getBytes(StandardCharsets.US_ASCII));
    }

    public static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java runtime has SHA-256", e);
        }
    }
}
