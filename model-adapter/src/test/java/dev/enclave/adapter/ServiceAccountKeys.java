package dev.enclave.adapter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;

/** A Google service account as a test makes one: a fresh RSA key pair and its JSON key file. */
record ServiceAccountKeys(KeyPair keys, String email, String project) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static ServiceAccountKeys generate(String email, String project) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new ServiceAccountKeys(generator.generateKeyPair(), email, project);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The base64 of the private key as it appears in the PEM: what must never show up in an answer or a log. */
    String privateKeyBase64() {
        return Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded());
    }

    /**
     * The key file; {@code clientId} varies the text (and so the adapter's token cache entry) for the
     * same account.
     */
    String keyFile(String tokenUri, String clientId) {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ObjectNode key = JSON.createObjectNode();
        key.put("type", "service_account");
        key.put("project_id", project);
        key.put("private_key_id", "5f1e0c1d2b3a49586776a5b4c3d2e1f0a9b8c7d6");
        key.put("private_key", pem);
        key.put("client_email", email);
        key.put("client_id", clientId);
        key.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
        key.put("token_uri", tokenUri);
        return key.toPrettyString();
    }
}
