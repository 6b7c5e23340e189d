package dev.enclave.adapter;

import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import dev.enclave.adapter.security.RevokedAccessTokens;
import dev.enclave.contracts.Contract;
import dev.enclave.contracts.ContractStubs;
import dev.enclave.contracts.Contracts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * model-adapter as a consumer: its real clients call a stub that answers with the contract's
 * example, then what they sent is checked against the contract token-service is verified against
 * (token-service's ProviderContractsTest), and what they read from the answer is asserted.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class ConsumerContractsTest {

    @Inject
    RevokedAccessTokens revoked;

    @Test
    void revocationsSince() {
        Contract contract = Contracts.get("model-adapter", "token-service", "revocations since");
        StubMapping stub = ContractStubs.stub(FakeTokenService.server, contract);
        try {
            revoked.refresh();
            String jti = contract.response().body().get("revocations").get(0).get("jti").asText();
            assertThat(revoked.isRevoked(jti)).as("the revoked jti in the contract's answer was read").isTrue();
            assertThat(ContractStubs.requestMismatches(FakeTokenService.server, contract, stub)).isEmpty();
        } finally {
            FakeTokenService.server.removeStub(stub);
        }
    }

    /**
     * The fake token-service's discovery document and key set are token-service's contract examples
     * filled with this test's issuer and key ({@link TestTokens}): an access token signed with that
     * key gets past authentication (to the 4xx of an empty body), one signed with another key is 401.
     */
    @Test
    void accessTokensAreVerifiedAgainstTheContractsDiscoveryAndKeySet() {
        int accepted = GatewayCaller.given().contentType("application/json").body("{}").post("/v1/completions").statusCode();
        assertThat(accepted).isBetween(400, 499).isNotIn(401, 403);
        io.restassured.RestAssured.given().header("Authorization", "Bearer "
                        + TestTokens.sign(TestTokens.UNKNOWN, TestTokens.claims(), "at+jwt"))
                .contentType("application/json").body("{}").post("/v1/completions").then().statusCode(401);
    }
}
