package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;

/**
 * What Google knows of a service account: its e-mail address, project and the public half of its
 * key. The simulator is configured with the service-account JSON key file a test generated (the
 * same text model-adapter gets as the model's {@code api_key}); the public key is derived from the
 * private one and the private key is not kept.
 */
record ServiceAccountKey(String clientEmail, String projectId, String privateKeyId, PublicKey publicKey) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** @throws IllegalArgumentException saying what is missing; the message never repeats the key */
    static ServiceAccountKey parse(String keyFile) {
        JsonNode key;
        try {
            key = JSON.readTree(keyFile);
        } catch (IOException e) {
            key = null;
        }
        if (key == null || !key.isObject()) {
            throw new IllegalArgumentException("the vertex personality's api key must be a service-account JSON key file");
        }
        if (!"service_account".equals(key.path("type").asText())) {
            throw new IllegalArgumentException("the vertex personality's api key must have \"type\": \"service_account\"");
        }
        for (String field : new String[] {"client_email", "private_key"}) {
            if (!key.path(field).isTextual() || key.get(field).asText().isBlank()) {
                throw new IllegalArgumentException("the vertex personality's api key has no " + field);
            }
        }
        return new ServiceAccountKey(key.get("client_email").asText(), key.path("project_id").asText(null),
                key.path("private_key_id").asText(null), publicKey(key.get("private_key").asText()));
    }

    private static PublicKey publicKey(String pem) {
        String base64 = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "")
                .replaceAll("\\s", "");
        try {
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            RSAPrivateCrtKey privateKey = (RSAPrivateCrtKey) rsa.generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            return rsa.generatePublic(new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException(
                    "the vertex personality's api key has a private_key that is not a PEM PKCS#8 RSA key");
        }
    }
}
