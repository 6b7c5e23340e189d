package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A Google service account as its JSON key file describes it (the model's {@code api_key}):
 * {@code type: service_account}, {@code client_email}, {@code private_key} (PEM, PKCS#8 RSA),
 * {@code private_key_id}, {@code token_uri}. {@link #toString()} shows the e-mail address only.
 *
 * @param fingerprint SHA-256 of the whole key file, hex: the token cache's key, so a rotated key gets its own token
 */
record GoogleServiceAccount(String clientEmail, String privateKeyId, PrivateKey privateKey, String tokenUri,
                            String fingerprint) {

    static final String DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
    private static final String FORM = "vertex_ai models need api_key to be the service account's JSON key file "
            + "(type, client_email, private_key, token_uri)";

    /**
     * @throws ModelCallException {@code INVALID_REQUEST} saying what is wrong with the key file;
     *                            the message never repeats any of it
     */
    static GoogleServiceAccount parse(ObjectMapper json, String keyFile) {
        if (keyFile == null || keyFile.isBlank()) {
            throw ProviderCall.invalid(FORM + "; it is empty");
        }
        JsonNode key;
        try {
            key = json.readTree(keyFile);
        } catch (IOException e) {
            key = null;
        }
        if (key == null || !key.isObject()) {
            throw ProviderCall.invalid(FORM + "; it is not a JSON object");
        }
        if (!"service_account".equals(key.path("type").asText())) {
            throw ProviderCall.invalid(FORM + "; its type is not service_account");
        }
        String email = text(key, "client_email");
        String pem = text(key, "private_key");
        String tokenUri = key.path("token_uri").isTextual() && !key.get("token_uri").asText().isBlank()
                ? key.get("token_uri").asText().strip() : DEFAULT_TOKEN_URI;
        return new GoogleServiceAccount(email, key.path("private_key_id").asText(null), privateKey(pem), tokenUri,
                sha256(keyFile));
    }

    private static String text(JsonNode key, String field) {
        if (!key.path(field).isTextual() || key.get(field).asText().isBlank()) {
            throw ProviderCall.invalid(FORM + "; it has no " + field);
        }
        return key.get(field).asText();
    }

    private static PrivateKey privateKey(String pem) {
        String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
                .replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw ProviderCall.invalid(FORM + "; its private_key is not a PEM-encoded PKCS#8 RSA private key");
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @Override
    public String toString() {
        return "GoogleServiceAccount[" + clientEmail + "]";
    }
}
