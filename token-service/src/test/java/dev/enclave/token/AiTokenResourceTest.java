package dev.enclave.token;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.jose4j.jwa.AlgorithmConstraints;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class AiTokenResourceTest {

    static final String INSTANCE_ID = UUID.randomUUID().toString();

    private Response mint(String clientId, String secret, Object body) {
        return given().auth().preemptive().basic(clientId, secret)
                .contentType(ContentType.JSON).body(body)
                .post("/internal/v1/ai-tokens");
    }

    @Test
    void mintedTokenCarriesSelfIssuedClaimsAndVerifiesAgainstPublishedKeys() throws Exception {
        Response response = mint("instance-service", "test-instance-secret",
                Map.of("instance_id", INSTANCE_ID, "scopes", List.of("complete_code", "generate_code")));
        response.then().statusCode(200).body("token_type", equalTo("Bearer")).body("expires_in", equalTo(3600));

        String jwks = given().get("/oauth/discovery/keys").asString();
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(new JsonWebKeySet(jwks).getJsonWebKeys()))
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256)
                .setExpectedAudience("gitlab-ai-gateway")
                .setExpectedIssuer("http://localhost:8080")
                .setRequireExpirationTime().setRequireJwtId().setRequireIssuedAt().setRequireNotBefore()
                .build();
        JwtClaims claims = consumer.processToClaims(response.path("token"));

        assertThat(claims.getSubject()).isEqualTo(INSTANCE_ID);
        assertThat(claims.getStringClaimValue("gitlab_realm")).isEqualTo("self-managed");
        assertThat(claims.getStringClaimValue("gitlab_instance_id")).isEqualTo(INSTANCE_ID);
        assertThat(claims.getStringListClaimValue("scopes")).containsExactly("complete_code", "generate_code");
        long iat = claims.getIssuedAt().getValue();
        assertThat(claims.getNotBefore().getValue()).isEqualTo(iat - 5);
        assertThat(claims.getExpirationTime().getValue()).isEqualTo(iat + 3600);
        assertThat(((Number) response.path("expires_at")).longValue()).isEqualTo(iat + 3600);
        UUID.fromString(claims.getJwtId());
    }

    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    private double mints(String outcome) {
        io.micrometer.core.instrument.Counter counter = registry.find("enclave.ai.token.mints")
                .tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void mintsAreCountedByOutcome() {
        double minted = mints("success");
        double refused = mints("refused");
        mint("instance-service", "test-instance-secret",
                Map.of("instance_id", INSTANCE_ID, "scopes", List.of("complete_code"))).then().statusCode(200);
        mint("instance-service", "test-instance-secret", Map.of("instance_id", INSTANCE_ID, "scopes", List.of()))
                .then().statusCode(400);
        assertThat(mints("success")).isEqualTo(minted + 1);
        assertThat(mints("refused")).isEqualTo(refused + 1);
    }

    @Test
    void eachTokenHasItsOwnJti() throws Exception {
        Map<String, Object> body = Map.of("instance_id", INSTANCE_ID, "scopes", List.of("complete_code"));
        String first = mint("instance-service", "test-instance-secret", body).path("token");
        String second = mint("instance-service", "test-instance-secret", body).path("token");
        assertThat(jti(first)).isNotEqualTo(jti(second));
    }

    @Test
    void duoChatContextPrimitivesMayBeMintedButNotInventedOnes() throws Exception {
        // The instance asks for include_<category>_context with each Duo Chat context category it forwards.
        List<String> scopes = List.of("duo_chat", "include_directory_context", "include_file_context",
                "include_issue_context", "include_local_git_context", "include_merge_request_context",
                "include_repository_context", "include_snippet_context", "include_terminal_context",
                "include_dependency_context");
        String token = mint("instance-service", "test-instance-secret",
                Map.of("instance_id", INSTANCE_ID, "scopes", scopes)).then().statusCode(200).extract().path("token");
        assertThat(JwtClaims.parse(new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1])))
                .getStringListClaimValue("scopes")).containsExactlyInAnyOrderElementsOf(scopes);
        mint("instance-service", "test-instance-secret",
                Map.of("instance_id", INSTANCE_ID, "scopes", List.of("duo_chat", "include_secrets_context")))
                .then().statusCode(400);
    }

    private static String jti(String jwt) throws Exception {
        return JwtClaims.parse(new String(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[1]))).getJwtId();
    }

    @Test
    void wrongClientSecretIsInvalidClient() {
        mint("instance-service", "wrong", Map.of("instance_id", INSTANCE_ID, "scopes", List.of("complete_code")))
                .then().statusCode(401)
                .header("WWW-Authenticate", equalTo("Basic realm=\"token-service\""))
                .body("error", equalTo("invalid_client"));
    }

    @Test
    void unknownClientIsInvalidClient() {
        mint("someone-else", "test-instance-secret", Map.of("instance_id", INSTANCE_ID, "scopes", List.of("complete_code")))
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void missingClientAuthenticationIsInvalidClient() {
        given().contentType(ContentType.JSON).body(Map.of("instance_id", INSTANCE_ID, "scopes", List.of("complete_code")))
                .post("/internal/v1/ai-tokens")
                .then().statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void scopeBeyondWhatTheInstanceMayGrantIsRefusedByName() {
        mint("instance-service", "test-instance-secret",
                Map.of("instance_id", INSTANCE_ID, "scopes", List.of("complete_code", "admin_everything")))
                .then().statusCode(400)
                .body("error", equalTo("invalid_scope"))
                .body("error_description", equalTo("Not grantable to the instance: admin_everything"));
    }

    @Test
    void emptyScopesAreRefused() {
        mint("instance-service", "test-instance-secret", Map.of("instance_id", INSTANCE_ID, "scopes", List.of()))
                .then().statusCode(400).body("error", equalTo("invalid_scope"));
    }

    @Test
    void instanceIdMustBeAUuid() {
        mint("instance-service", "test-instance-secret", Map.of("instance_id", "not-a-uuid", "scopes", List.of("complete_code")))
                .then().statusCode(400)
                .body("error", equalTo("invalid_request"))
                .body("error_description", equalTo("instance_id must be a UUID"));
    }

    @Test
    void userBoundTokenCarriesTheGlobalUserIdAndLivesShorter() throws Exception {
        Response response = mint("instance-service", "test-instance-secret", Map.of("instance_id", INSTANCE_ID,
                "scopes", List.of("complete_code"), "global_user_id", "a1b2c3"));
        response.then().statusCode(200).body("expires_in", equalTo(900));
        String payload = new String(java.util.Base64.getUrlDecoder().decode(
                response.path("token").toString().split("\\.")[1]));
        JwtClaims claims = JwtClaims.parse(payload);
        assertThat(claims.getStringClaimValue("gitlab_global_user_id")).isEqualTo("a1b2c3");
        assertThat(claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue()).isEqualTo(900);
        assertThat(claims.getSubject()).isEqualTo(INSTANCE_ID);
    }

    @Test
    void instanceTokensCarryNoUser() throws Exception {
        String token = mint("instance-service", "test-instance-secret",
                Map.of("instance_id", INSTANCE_ID, "scopes", List.of("complete_code"))).path("token");
        JwtClaims claims = JwtClaims.parse(new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[1])));
        assertThat(claims.hasClaim("gitlab_global_user_id")).isFalse();
    }
}
