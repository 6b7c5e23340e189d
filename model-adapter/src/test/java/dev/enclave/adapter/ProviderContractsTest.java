package dev.enclave.adapter;

import dev.enclave.contracts.Contract;
import dev.enclave.contracts.ContractVerifier;
import dev.enclave.contracts.Contracts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * model-adapter as the provider: every contract in ../contracts that names it (ai-gateway's model
 * calls) is replayed against this running adapter with a real access token ({@link TestTokens},
 * built from token-service's client-credentials contract), after the provider state it names is
 * set up here. The model server behind it is the in-JVM simulator, speaking the OpenAI wire format.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class ProviderContractsTest {

    static final String PROVIDER = "model-adapter";

    @TestFactory
    Stream<DynamicTest> everyContractWithModelAdapterAsProviderHolds() {
        List<Contract> contracts = Contracts.forProvider(PROVIDER);
        assertThat(contracts).hasSizeGreaterThanOrEqualTo(2);
        return contracts.stream().map(contract -> DynamicTest.dynamicTest(contract.toString(), () -> {
            Map<String, String> values = state(contract.state());
            assertThat(ContractVerifier.verifyProvider(contract, base(), values)).as(contract.toString()).isEmpty();
        }));
    }

    static URI base() {
        return URI.create("http://127.0.0.1:" + RestAssured.port + "/");
    }

    /** The provider states the contracts name, and the values of their placeholders. */
    static Map<String, String> state(String name) {
        Map<String, String> values = new HashMap<>();
        values.put("access-token", TestTokens.valid());
        values.put("request-id", UUID.randomUUID().toString());
        switch (name) {
            case "the model server answers" -> SimulatedModelServer.reset();
            // the simulator's stream: its first token, then the provider's own error event
            case "the model server fails mid-stream" -> {
                SimulatedModelServer.reset();
                SimulatedModelServer.simulator.faults().failMidStream(1);
            }
            // the simulator's stream: its first token, then the connection closes without the stream's end
            case "the model server's connection drops mid-stream" -> {
                SimulatedModelServer.reset();
                SimulatedModelServer.simulator.faults().dropMidStream(1);
            }
            default -> throw new IllegalStateException("no provider state \"" + name + "\" in model-adapter's "
                    + "ProviderContractsTest: add it");
        }
        values.put("model-endpoint", SimulatedModelServer.simulator.baseUrl());
        values.put("model-identifier", SimulatedModelServer.MODEL);
        values.put("model-api-key", SimulatedModelServer.API_KEY);
        return values;
    }

    @Test
    void aRenamedEventFieldWouldFailTheVerification() throws Exception {
        // positive control: the verifier sees a stream event field the adapter does not send
        Contract chat = Contracts.get("ai-gateway", PROVIDER, "a streamed chat answer from the model");
        Contract renamed = new Contract(chat.file(), chat.consumer(), chat.provider(), chat.interaction(), chat.state(),
                chat.request(), new Contract.Response(200, Map.of(), null, Map.of(), null,
                List.of(new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"type\":\"delta\",\"content\":\"x\"}")),
                null));
        assertThat(ContractVerifier.verifyProvider(renamed, base(), state(chat.state())))
                .singleElement().asString().startsWith("no line of the NDJSON answer matches the example event")
                .contains("content: missing");
    }
}
