package dev.enclave.token;

import dev.enclave.contracts.Contract;
import dev.enclave.contracts.ContractVerifier;
import dev.enclave.contracts.Contracts;
import dev.enclave.token.rest.OAuthException;
import dev.enclave.token.service.ClientAuthThrottle;
import dev.enclave.token.service.ClientCredentials;
import io.quarkus.arc.Arc;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.eclipse.microprofile.config.ConfigProvider;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * token-service as the provider: every contract in ../contracts that names it is replayed against
 * this running token-service, after the provider state it names is set up here. A field renamed in
 * an answer (or in a request record it reads) fails the contract it is in.
 */
@QuarkusTest
class ProviderContractsTest {

    static final String PROVIDER = "token-service";

    @TestFactory
    Stream<DynamicTest> everyContractWithTokenServiceAsProviderHolds() {
        List<Contract> contracts = Contracts.forProvider(PROVIDER);
        assertThat(contracts).isNotEmpty();
        return contracts.stream().map(contract -> DynamicTest.dynamicTest(contract.toString(), () -> {
            Map<String, String> values = state(contract.state());
            assertThat(ContractVerifier.verifyProvider(contract, URI.create("http://127.0.0.1:" + RestAssured.port + "/"),
                    values)).as(contract.toString()).isEmpty();
        }));
    }

    /** The provider states the contracts name, and the values of their placeholders. */
    static Map<String, String> state(String name) {
        Map<String, String> values = new HashMap<>();
        values.put("instance-credentials", basic(OAuthTestClient.INSTANCE_ID, OAuthTestClient.INSTANCE_SECRET));
        values.put("verifier-credentials", basic(OAuthTestClient.VERIFIER_ID, OAuthTestClient.VERIFIER_SECRET));
        values.put("gateway-credentials", basic("ai-gateway", "test-gateway-secret"));
        values.put("instance-id", UUID.randomUUID().toString());
        switch (name) {
            case "the instance's client credentials", "ai-gateway's client credentials", "the published signing keys" -> {
            }
            case "an access token revoked after the instance's last poll",
                 "an access token revoked after model-adapter's last poll" -> {
                long since = System.currentTimeMillis() - 1000;
                OAuthTestClient.App app = OAuthTestClient.app("api");
                String token = OAuthTestClient.authorize(app, "api").accessToken();
                OAuthTestClient.revoke(app, token).then().statusCode(200);
                values.put("since", Long.toString(since));
            }
            case "an application of the instance's" -> {
                OAuthTestClient.App app = OAuthTestClient.app("api read_user user:*");
                values.put("application-id", app.clientId());
                values.put("id", Long.toString(app.id()));
                values.put("redirect-uri", OAuthTestClient.REDIRECT_URI);
            }
            case "a composite token minted after the instance's cursor" -> {
                long after = OAuthTestClient.lastCompositeTokenEventId();
                OAuthTestClient.composite(OAuthTestClient.app("api user:*"), OAuthTestClient.newOwnerId(), "api user:42");
                values.put("after", Long.toString(after));
                values.put("limit", "100");
            }
            case "a token of a confidential OAuth application" -> {
                OAuthTestClient.App app = OAuthTestClient.app("api");
                OAuthTestClient.Tokens tokens = OAuthTestClient.authorize(app, "api");
                values.put("app-credentials", basic(app.clientId(), app.secret()));
                values.put("wrong-app-credentials", basic(app.clientId(), "not-" + app.secret()));
                values.put("refresh-token", tokens.refreshToken());
                values.put("access-token", tokens.accessToken());
            }
            case "an authorization code of a confidential OAuth application" -> {
                OAuthTestClient.App app = OAuthTestClient.app("api");
                String verifier = OAuthTestClient.newCodeVerifier();
                values.put("app-credentials", basic(app.clientId(), app.secret()));
                values.put("code", OAuthTestClient.requestGrantWithPkce(app.clientId(), OAuthTestClient.newOwnerId(),
                        "api", OAuthTestClient.s256(verifier)).then().statusCode(201).extract().path("code"));
                values.put("redirect-uri", OAuthTestClient.REDIRECT_URI);
                values.put("code-verifier", verifier);
            }
            case "a confidential OAuth application and an audience it may have tokens for" -> {
                OAuthTestClient.App app = OAuthTestClient.app("api read_api");
                values.put("app-credentials", basic(app.clientId(), app.secret()));
                values.put("audience", "partner-api");
                values.put("scope", "read_api");
            }
            case "a confidential OAuth application throttled after too many failed authentications" -> {
                OAuthTestClient.App app = OAuthTestClient.app("api");
                throttle(app.clientId());
                values.put("app-credentials", basic(app.clientId(), app.secret()));
                // never read: a throttled client's request is refused before its grant is looked at
                values.put("refresh-token", UUID.randomUUID().toString());
            }
            default -> throw new IllegalStateException("no provider state \"" + name + "\" in token-service's "
                    + "ProviderContractsTest: add it");
        }
        return values;
    }

    /**
     * As many failed authentications of {@code clientId} as the throttle allows (from an address of
     * its own, so that no other test's calls from 127.0.0.1 are held back): its next request from
     * an address it has not authenticated from is refused with 429 until the window has passed.
     */
    static void throttle(String clientId) {
        ClientAuthThrottle throttle = Arc.container().instance(ClientAuthThrottle.class).get();
        int maxFailures = ConfigProvider.getConfig().getValue("enclave.token.oauth.auth-throttle.max-failures",
                Integer.class);
        String address = "contract-state-" + UUID.randomUUID();
        OAuthException wrongSecret = OAuthException.invalidClient("Client authentication failed");
        // not a debug line per failure (the test profile logs this service at DEBUG)
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(ClientAuthThrottle.class.getName());
        java.util.logging.Level level = log.getLevel();
        log.setLevel(java.util.logging.Level.INFO);
        try {
            for (int i = 0; i < maxFailures; i++) {
                try {
                    throttle.authenticate(address, () -> new ClientCredentials(clientId, "wrong"), credentials -> {
                        throw wrongSecret;
                    });
                    throw new AssertionError("the throttle let a failed authentication pass");
                } catch (OAuthException e) {
                    if (e != wrongSecret) {
                        throw e;
                    }
                }
            }
        } finally {
            log.setLevel(level);
        }
    }

    static String basic(String id, String secret) {
        return Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRenamedFieldWouldFailTheVerification() throws Exception {
        // positive control: the verifier sees a difference when there is one
        Contract mint = Contracts.get("instance-service", PROVIDER, "mint an AI token");
        Contract renamed = new Contract(mint.file(), mint.consumer(), mint.provider(), mint.interaction(), mint.state(),
                mint.request(), new Contract.Response(200, Map.of(),
                new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"token\":\"x\",\"issuedAt\":1}"),
                Map.of(), null));
        assertThat(ContractVerifier.verifyProvider(renamed, URI.create("http://127.0.0.1:" + RestAssured.port + "/"),
                state(mint.state()))).containsExactly("issuedAt: missing");
    }
}
