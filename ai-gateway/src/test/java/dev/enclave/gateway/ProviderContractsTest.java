package dev.enclave.gateway;

import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import dev.enclave.contracts.Contract;
import dev.enclave.contracts.ContractStubs;
import dev.enclave.contracts.ContractVerifier;
import dev.enclave.contracts.Contracts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * ai-gateway as the provider: every contract in ../contracts that names it (the instance's calls)
 * is replayed against this running gateway, with a real AI token ({@link TestTokens}, built from
 * token-service's AI-token contract), after the provider state it names is set up here. The
 * gateway's own neighbour, model-adapter, is faked as in the gateway's other tests: JSON answers are
 * stubbed from the gateway → model-adapter contract's example (which model-adapter's build verifies),
 * streams are scripted in {@link FakeStreamingAdapter}.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class ProviderContractsTest {

    static final String PROVIDER = "ai-gateway";
    static final String ADAPTER_PREFIX = "/adapter";

    private final List<StubMapping> stubs = new ArrayList<>();

    @AfterEach
    void removeStubs() {
        stubs.forEach(FakeIssuerAndAdapter.server::removeStub);
        stubs.clear();
    }

    @TestFactory
    Stream<DynamicTest> everyContractWithTheGatewayAsProviderHolds() {
        List<Contract> contracts = Contracts.forProvider(PROVIDER);
        assertThat(contracts).hasSizeGreaterThanOrEqualTo(4);
        return contracts.stream().map(contract -> DynamicTest.dynamicTest(contract.toString(), () -> {
            try {
                Map<String, String> values = state(contract.state());
                assertThat(ContractVerifier.verifyProvider(contract, base(), values)).as(contract.toString()).isEmpty();
            } finally {
                removeStubs();
            }
        }));
    }

    static URI base() {
        return URI.create("http://127.0.0.1:" + RestAssured.port + "/");
    }

    /** The provider states the contracts name, and the values of their placeholders. */
    Map<String, String> state(String name) {
        Map<String, String> values = new HashMap<>();
        values.put("instance-id", TestTokens.INSTANCE_ID);
        values.put("global-user-id", "5f8a9b1c0d2e3f40");
        values.put("host-name", "gitlab.example.com");
        values.put("version", "17.6.0");
        switch (name) {
            case "a self-hosted code model answers" -> {
                values.put("ai-token", TestTokens.valid(List.of("complete_code")));
                stubs.add(ContractStubs.stub(FakeIssuerAndAdapter.server,
                        Contracts.get("ai-gateway", "model-adapter", "a completion from the model"), ADAPTER_PREFIX));
            }
            case "a self-hosted code model generates" -> {
                // a generation is a chat call to model-adapter
                values.put("ai-token", TestTokens.valid(List.of("generate_code")));
                stubs.add(ContractStubs.stub(FakeIssuerAndAdapter.server,
                        Contracts.get("ai-gateway", "model-adapter", "a chat answer from the model"), ADAPTER_PREFIX));
            }
            case "a self-hosted code model streams" -> {
                values.put("ai-token", TestTokens.valid(List.of("complete_code")));
                FakeStreamingAdapter.script("codestral-22b").delta("return a + b").done("stop");
            }
            case "a self-hosted code model streams a generation" -> {
                // a streamed generation is a streamed chat call to model-adapter
                values.put("ai-token", TestTokens.valid(List.of("generate_code")));
                FakeStreamingAdapter.script("codestral-22b").delta("return a + b").done("stop");
            }
            case "a self-hosted chat model streams" -> {
                values.put("ai-token", TestTokens.valid(List.of("duo_chat", "include_file_context")));
                FakeStreamingAdapter.script("mistral-7b").delta("Use git revert.").done("stop");
            }
            case "the self-hosted model answers the connection check" -> {
                values.put("ai-token", TestTokens.valid(List.of("complete_code")));
                stubs.add(FakeIssuerAndAdapter.server.stubFor(post(urlEqualTo(ADAPTER_PREFIX + "/v1/chat/completions"))
                        .atPriority(1).willReturn(aResponse().withHeader("Content-Type", "application/json")
                                .withBody("{\"text\":\"OK\",\"finish_reason\":\"stop\",\"model\":\"mistral-7b\"}"))));
            }
            default -> throw new IllegalStateException("no provider state \"" + name + "\" in ai-gateway's "
                    + "ProviderContractsTest: add it");
        }
        return values;
    }

    @Test
    void aRenamedFieldWouldFailTheVerification() throws Exception {
        // positive control: the verifier sees an answer field the gateway does not send
        Contract completion = Contracts.get("instance-service", PROVIDER, "a code completion from a self-hosted model");
        Contract renamed = new Contract(completion.file(), completion.consumer(), completion.provider(),
                completion.interaction(), completion.state(), completion.request(), new Contract.Response(200, Map.of(),
                new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"choices\":[{\"txt\":\"x\"}]}"),
                Map.of(), null));
        try {
            assertThat(ContractVerifier.verifyProvider(renamed, base(), state(completion.state())))
                    .containsExactly("choices[].txt: missing");
        } finally {
            removeStubs();
        }
    }
}
