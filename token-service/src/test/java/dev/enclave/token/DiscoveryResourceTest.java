package dev.enclave.token;

import dev.enclave.token.domain.SigningKey;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class DiscoveryResourceTest {

    @Test
    void discoveryNamesTheIssuerAndTheKeySet() {
        given().get("/.well-known/openid-configuration").then().statusCode(200)
                .body("issuer", equalTo("http://localhost:8080"))
                .body("jwks_uri", equalTo("http://localhost:8080/oauth/discovery/keys"))
                .body("id_token_signing_alg_values_supported", equalTo(List.of("RS256")));
    }

    @Test
    void keySetPublishesOnlyPublicRsaKeysIdentifiedByTheirThumbprint() throws Exception {
        var response = given().get("/oauth/discovery/keys");
        response.then().statusCode(200).header("Cache-Control", equalTo("public, max-age=300"));

        List<Map<String, Object>> raw = response.path("keys");
        assertThat(raw).isNotEmpty();
        assertThat(raw).allSatisfy(k -> assertThat(k).doesNotContainKeys("d", "p", "q", "dp", "dq", "qi"));

        for (JsonWebKey key : new JsonWebKeySet(response.asString()).getJsonWebKeys()) {
            assertThat(key.getKeyType()).isEqualTo("RSA");
            assertThat(key.getAlgorithm()).isEqualTo("RS256");
            assertThat(key.getUse()).isEqualTo("sig");
            assertThat(key.getKeyId()).isEqualTo(key.calculateBase64urlEncodedThumbprint("SHA-256"));
        }
    }

    @Test
    void privateKeyIsStoredOnlyEncrypted() throws Exception {
        SigningKey stored = QuarkusTransaction.requiringNew().call(() -> SigningKey.findSigning().orElseThrow());
        PublicJsonWebKey published = PublicJsonWebKey.Factory.newPublicJwk(stored.publicJwk);

        assertThat(stored.privateKeyEncrypted).startsWith("v1.");
        byte[] ciphertext = Base64.getUrlDecoder().decode(stored.privateKeyEncrypted.substring(3));
        // A PKCS#8 RSA key is DER: it starts with a SEQUENCE tag. The stored bytes must not.
        assertThat(ciphertext[12]).isNotEqualTo((byte) 0x30);
        assertThat(stored.privateKeyEncrypted).doesNotContain(Base64.getEncoder().encodeToString(
                published.getPublicKey().getEncoded()).substring(0, 40));
        assertThat(published.getPrivateKey()).isNull();
    }
}
