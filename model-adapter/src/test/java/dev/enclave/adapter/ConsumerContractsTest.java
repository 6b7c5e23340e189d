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
}
