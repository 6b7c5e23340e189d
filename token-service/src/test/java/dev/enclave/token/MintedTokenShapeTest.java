package dev.enclave.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.enclave.token.OAuthTestClient.ISSUER;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The golden shape of every token token-service signs, read from the raw compact serialisation
 * with nothing but base64url, JSON and {@code SHA256withRSA}: the exact header fields, the exact
 * claim names in their order, and each claim's JSON type and value. The minters may change how they
 * build a token (they moved from hand-built jose4j to SmallRye JWT's build API); what a verifier
 * receives may not.
 */
@QuarkusTest
class MintedTokenShapeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INSTANCE = UUID.randomUUID().toString();

    /** A decoded compact JWS: header, claims, and whether the signature verifies under its {@code kid}. */
    private record Decoded(JsonNode header, JsonNode claims, boolean signatureValid) {
    }

    @Test
    void instanceAiToken() throws Exception {
        Response response = aiToken(Map.of("instance_id", INSTANCE, "scopes", List.of("complete_code")));
        Decoded token = decode(response.path("token"));

        assertHeader(token, "JWT");
        assertThat(fieldNames(token.claims())).containsExactly("jti", "aud", "sub", "iss", "iat", "nbf", "exp",
                "gitlab_realm", "gitlab_instance_id", "scopes");
        assertAiClaims(token.claims(), response, 3600);
        // One scope is still a JSON array.
        assertThat(token.claims().get("scopes").isArray()).isTrue();
        assertThat(texts(token.claims().get("scopes"))).containsExactly("complete_code");
    }

    @Test
    void userBoundAiToken() throws Exception {
        Response response = aiToken(Map.of("instance_id", INSTANCE, "scopes", List.of("complete_code", "duo_chat"),
                "global_user_id", "a1b2c3"));
        Decoded token = decode(response.path("token"));

        assertHeader(token, "JWT");
        assertThat(fieldNames(token.claims())).containsExactly("jti", "aud", "sub", "iss", "iat", "nbf", "exp",
                "gitlab_realm", "gitlab_instance_id", "scopes", "gitlab_global_user_id");
        assertAiClaims(token.claims(), response, 900);
        assertThat(texts(token.claims().get("scopes"))).containsExactly("complete_code", "duo_chat");
        assertThat(token.claims().get("gitlab_global_user_id").isTextual()).isTrue();
        assertThat(token.claims().get("gitlab_global_user_id").asText()).isEqualTo("a1b2c3");
    }

    @Test
    void accessTokenFromAGrant() throws Exception {
        OAuthTestClient.App app = OAuthTestClient.app("api read_api");
        long owner = OAuthTestClient.newOwnerId();
        Response exchanged = OAuthTestClient.exchange(app, OAuthTestClient.code(app, owner, "api read_api"));
        exchanged.then().statusCode(200);
        Decoded token = decode(exchanged.path("access_token"));

        assertAccessToken(token, String.valueOf(owner), ISSUER, app.clientId(), "api read_api");
    }

    @Test
    void compositeAccessToken() throws Exception {
        OAuthTestClient.App app = OAuthTestClient.app("api ai_features user:*");
        long owner = OAuthTestClient.newOwnerId();
        OAuthTestClient.Tokens tokens = OAuthTestClient.composite(app, owner, "api user:7");
        Decoded token = decode(tokens.accessToken());

        assertAccessToken(token, String.valueOf(owner), ISSUER, app.clientId(), "api user:7");
    }

    @Test
    void clientCredentialsAccessToken() throws Exception {
        OAuthTestClient.App app = OAuthTestClient.app("api ai_features");
        Response response = OAuthTestClient.clientCredentials(app, "partner-api");
        response.then().statusCode(200);
        Decoded token = decode(response.path("access_token"));

        assertAccessToken(token, app.clientId(), "partner-api", app.clientId(), "api ai_features");
    }

    private static Response aiToken(Map<String, Object> body) {
        Response response = given().auth().preemptive().basic("instance-service", "test-instance-secret")
                .contentType(ContentType.JSON).body(body).post("/internal/v1/ai-tokens");
        response.then().statusCode(200);
        return response;
    }

    private static void assertAiClaims(JsonNode claims, Response response, long lifetime) {
        UUID.fromString(text(claims, "jti"));
        assertThat(text(claims, "aud")).isEqualTo("gitlab-ai-gateway");
        assertThat(text(claims, "sub")).isEqualTo(INSTANCE);
        assertThat(text(claims, "iss")).isEqualTo(ISSUER);
        long iat = seconds(claims, "iat");
        assertThat(iat).isEqualTo(((Number) response.path("issued_at")).longValue());
        assertThat(seconds(claims, "nbf")).isEqualTo(iat - 5);
        assertThat(seconds(claims, "exp")).isEqualTo(iat + lifetime)
                .isEqualTo(((Number) response.path("expires_at")).longValue());
        assertThat(text(claims, "gitlab_realm")).isEqualTo("self-managed");
        assertThat(text(claims, "gitlab_instance_id")).isEqualTo(INSTANCE);
    }

    private static void assertAccessToken(Decoded token, String subject, String audience, String clientId,
                                          String scope) {
        assertHeader(token, "at+jwt");
        JsonNode claims = token.claims();
        assertThat(fieldNames(claims)).containsExactly("iss", "sub", "aud", "client_id", "scope", "jti", "iat", "exp");
        assertThat(text(claims, "iss")).isEqualTo(ISSUER);
        assertThat(text(claims, "sub")).isEqualTo(subject);
        // A single audience is a JSON string, not a one-element array.
        assertThat(text(claims, "aud")).isEqualTo(audience);
        assertThat(text(claims, "client_id")).isEqualTo(clientId);
        assertThat(text(claims, "scope")).isEqualTo(scope);
        UUID.fromString(text(claims, "jti"));
        assertThat(seconds(claims, "exp") - seconds(claims, "iat")).isEqualTo(7200);
    }

    /** Exactly {@code alg} RS256, {@code kid} of the key that signs now, and {@code typ}; nothing else. */
    private static void assertHeader(Decoded token, String typ) {
        String activeKid = given().auth().preemptive().basic("instance-service", "test-instance-secret")
                .get("/internal/v1/keys").then().statusCode(200).extract().path("find { it.active }.kid");
        assertThat(fieldNames(token.header())).containsExactlyInAnyOrder("alg", "kid", "typ");
        assertThat(text(token.header(), "alg")).isEqualTo("RS256");
        assertThat(text(token.header(), "kid")).isEqualTo(activeKid);
        assertThat(text(token.header(), "typ")).isEqualTo(typ);
        assertThat(token.signatureValid()).as("RS256 signature under the published key " + activeKid).isTrue();
    }

    private static Decoded decode(String compact) throws Exception {
        String[] parts = compact.split("\\.");
        assertThat(parts).hasSize(3);
        Base64.Decoder base64url = Base64.getUrlDecoder();
        JsonNode header = JSON.readTree(base64url.decode(parts[0]));
        JsonNode claims = JSON.readTree(base64url.decode(parts[1]));

        String jwks = given().get("/oauth/discovery/keys").asString();
        PublicKey key = ((PublicJsonWebKey) new JsonWebKeySet(jwks).findJsonWebKey(text(header, "kid"), "RSA", "sig",
                "RS256")).getPublicKey();
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initVerify(key);
        rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        return new Decoded(header, claims, rs256.verify(base64url.decode(parts[2])));
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> {
            assertThat(value.isTextual()).isTrue();
            values.add(value.asText());
        });
        return values;
    }

    private static String text(JsonNode object, String field) {
        JsonNode value = object.get(field);
        assertThat(value).as(field).isNotNull();
        assertThat(value.isTextual()).as(field + " is a JSON string").isTrue();
        return value.asText();
    }

    /** NumericDate: a JSON integer. */
    private static long seconds(JsonNode object, String field) {
        JsonNode value = object.get(field);
        assertThat(value).as(field).isNotNull();
        assertThat(value.isIntegralNumber()).as(field + " is a JSON integer").isTrue();
        return value.asLong();
    }
}
