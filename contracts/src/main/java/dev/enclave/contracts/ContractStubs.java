package dev.enclave.contracts;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Consumer side, on the consumer's own WireMock: {@link #stub} answers the contract's request with
 * the contract's example answer; after the consumer's real client has called it,
 * {@link #requestMismatches} says how what it sent differs from what the provider was verified
 * against.
 */
public final class ContractStubs {

    private ContractStubs() {
    }

    /**
     * Stubs the interaction (at a priority above the fake's defaults); remove the returned stub when
     * the test is done. (The fake's request journal is left alone: other tests share it.)
     */
    public static StubMapping stub(WireMockServer server, Contract contract) {
        return stub(server, contract, "");
    }

    /**
     * As {@link #stub(WireMockServer, Contract)}, for a fake that serves the provider under
     * {@code prefix} (e.g. {@code /gateway}, when one WireMock stands in for two services).
     */
    public static StubMapping stub(WireMockServer server, Contract contract, String prefix) {
        MappingBuilder mapping = WireMock.request(contract.request().method(),
                        WireMock.urlPathMatching(Pattern.quote(prefix) + pathRegex(contract)))
                .atPriority(1);
        ResponseDefinitionBuilder answer = WireMock.aResponse().withStatus(contract.response().status())
                .withBody(ContractVerifier.exampleResponseBody(contract));
        contract.response().headers().keySet().forEach(name -> answer.withHeader(name,
                contract.response().headerExample(name)));
        return server.stubFor(mapping.willReturn(answer));
    }

    /**
     * As {@link #stub(WireMockServer, Contract, String)}, answering {@code body}: the contract's
     * example with values the consumer's state needs (ids it has not seen yet, say). It must match
     * the example by shape, so that it says nothing the provider is not verified to say.
     */
    public static StubMapping stub(WireMockServer server, Contract contract, String prefix, String body) {
        List<String> mismatches;
        try {
            mismatches = Shapes.mismatches(contract.response().body(), Contracts.JSON.readTree(body), true,
                    contract.response().matchers());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(contract + ": the stub's body is not JSON", e);
        }
        if (!mismatches.isEmpty()) {
            throw new IllegalArgumentException(contract + ": the stub's body is not the contract's shape: " + mismatches);
        }
        MappingBuilder mapping = WireMock.request(contract.request().method(),
                        WireMock.urlPathMatching(Pattern.quote(prefix) + pathRegex(contract)))
                .atPriority(1);
        ResponseDefinitionBuilder answer = WireMock.aResponse().withStatus(contract.response().status()).withBody(body);
        contract.response().headers().keySet().forEach(name -> answer.withHeader(name,
                contract.response().headerExample(name)));
        return server.stubFor(mapping.willReturn(answer));
    }

    /**
     * How each request the consumer sent to {@code stub} (as {@link #stub} returned it) differs from
     * the contract; a line saying so when it sent none.
     */
    public static List<String> requestMismatches(WireMockServer server, Contract contract, StubMapping stub) {
        return requestMismatches(server, contract, stub, "");
    }

    /** As {@link #requestMismatches(WireMockServer, Contract, StubMapping)}, for a stub made with a prefix. */
    public static List<String> requestMismatches(WireMockServer server, Contract contract, StubMapping stub,
                                                 String prefix) {
        List<LoggedRequest> sent = server.getAllServeEvents().stream()
                .filter(e -> e.getStubMapping() != null && stub.getId().equals(e.getStubMapping().getId()))
                .map(e -> e.getRequest()).map(LoggedRequest.class::cast).toList();
        List<String> out = new ArrayList<>();
        if (sent.isEmpty()) {
            out.add(contract + ": the consumer sent no such request");
        }
        for (LoggedRequest request : sent) {
            String url = request.getUrl().startsWith(prefix) ? request.getUrl().substring(prefix.length()) : request.getUrl();
            ContractVerifier.verifyConsumerRequest(contract, request.getMethod().value(), url,
                    request::getHeader, request.getBodyAsString()).forEach(m -> out.add(contract + ": " + m));
        }
        return out;
    }

    private static String pathRegex(Contract contract) {
        String path = contract.request().path().replaceAll("\\?.*", "");
        StringBuilder regex = new StringBuilder();
        int at = 0;
        java.util.regex.Matcher m = Pattern.compile("\\{\\{[^}]+}}").matcher(path);
        while (m.find()) {
            regex.append(Pattern.quote(path.substring(at, m.start()))).append("[^/]+");
            at = m.end();
        }
        return regex.append(Pattern.quote(path.substring(at))).toString();
    }
}
