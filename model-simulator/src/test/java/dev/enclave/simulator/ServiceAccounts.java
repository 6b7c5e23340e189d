package dev.enclave.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;

/** A service account as a test generates one: an RSA key pair and the JSON key file Google would hand out. */
record ServiceAccounts(KeyPair keys, String email, String project) {

    static ServiceAccounts generate(String email, String project) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new ServiceAccounts(generator.generateKeyPair(), email, project);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    String keyFile(String tokenUri) {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ObjectNode key = TestHttp.MAPPER.createObjectNode();
        key.put("type", "service_account");
        key.put("project_id", project);
        key.put("private_key_id", "0123456789abcdef");
        key.put("private_key", pem);
        key.put("client_email", email);
        key.put("client_id", "123456789012345678901");
        key.put("token_uri", tokenUri);
        return key.toString();
    }

    /** An RS256 JWT over these claims, signed with this account's private key. */
    String assertion(ObjectNode claims) {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String signingInput = url.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                + "." + url.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(keys.getPrivate());
            rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + url.encodeToString(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    ObjectNode claims(String audience, long issuedAt, long expiresAt, String scope) {
        return TestHttp.MAPPER.createObjectNode().put("iss", email).put("scope", scope).put("aud", audience)
                .put("iat", issuedAt).put("exp", expiresAt);
    }
}
