package dev.enclave.instance;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import dev.enclave.contracts.Contract;
import dev.enclave.contracts.ContractStubs;
import dev.enclave.contracts.Contracts;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.security.RevokedAccessTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * instance-service as a consumer: its real clients call a stub that answers with the contract's
 * example, then what they sent is checked against the contract the provider is verified against
 * (the provider's ProviderContractsTest), and what they read from the answer is asserted.
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class ConsumerContractsTest {

    @Inject
    TokenServiceClient tokenService;

    @Inject
    RevokedAccessTokens revoked;

    StubMapping stub;

    @AfterEach
    void removeStub() {
        if (stub != null) {
            FakeTokenServiceAndGateway.server.removeStub(stub);
        }
    }

    @Test
    void mintAnAiToken() {
        Contract contract = Contracts.get("instance-service", "token-service", "mint an AI token");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract);
        JsonNode example = contract.response().body();

        TokenServiceClient.AiToken minted = tokenService.mintAiToken(UUID.randomUUID().toString(),
                List.of("complete_code"), "5f8a9b1c0d");

        assertThat(minted.token()).isEqualTo(example.get("token").asText());
        assertThat(minted.issuedAt()).isEqualTo(Instant.ofEpochSecond(example.get("issued_at").asLong()));
        assertThat(minted.expiresAt()).isEqualTo(Instant.ofEpochSecond(example.get("expires_at").asLong()));
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
    }

    @Test
    void revocationsSince() {
        Contract contract = Contracts.get("instance-service", "token-service", "revocations since");
        stub = ContractStubs.stub(FakeTokenServiceAndGateway.server, contract);

        revoked.refresh();

        String jti = contract.response().body().get("revocations").get(0).get("jti").asText();
        assertThat(revoked.isRevoked(jti)).as("the revoked jti in the contract's answer was read").isTrue();
        assertThat(ContractStubs.requestMismatches(FakeTokenServiceAndGateway.server, contract, stub)).isEmpty();
    }
}
