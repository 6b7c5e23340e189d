package dev.enclave.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ContractsTest {

    @Test
    void theIndexListsEveryContractFileAndEachParses() throws IOException {
        Path root = Path.of("src/main/resources/contracts");
        try (Stream<Path> files = Files.walk(root)) {
            List<String> onDisk = files.filter(p -> p.toString().endsWith(".json"))
                    .map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
            assertThat(Contracts.index().stream().sorted().toList()).isEqualTo(onDisk);
        }
        assertThat(Contracts.all()).hasSize(Contracts.index().size()).allSatisfy(c -> {
            assertThat(c.file()).startsWith(c.consumer() + "/" + c.provider() + ".");
            assertThat(c.request().method()).isIn("GET", "POST", "PUT", "DELETE", "PATCH");
        });
    }

    @Test
    void aRenamedOrRetypedFieldIsAMismatchAnExtraOneOnlyInARequest() throws IOException {
        JsonNode expected = Contracts.JSON.readTree("{\"token\":\"x\",\"expires_at\":1,\"scopes\":[\"a\"],\"note?\":\"n\"}");
        assertThat(Shapes.mismatches(expected, Contracts.JSON.readTree(
                "{\"token\":\"y\",\"expires_at\":2,\"scopes\":[\"b\",\"c\"]}"), false, Map.of())).isEmpty();
        assertThat(Shapes.mismatches(expected, Contracts.JSON.readTree(
                "{\"token\":\"y\",\"expiresAt\":2,\"scopes\":[\"b\"]}"), false, Map.of()))
                .containsExactly("expires_at: missing", "expiresAt: not in the contract");
        assertThat(Shapes.mismatches(expected, Contracts.JSON.readTree(
                "{\"token\":\"y\",\"expires_at\":\"2\",\"scopes\":[1],\"extra\":true}"), true, Map.of()))
                .containsExactly("expires_at: expected an integer, got string \"2\"",
                        "scopes[]: expected a string, got number 1");
        assertThat(Shapes.mismatches(expected, Contracts.JSON.readTree("{\"token\":\"a.b\",\"expires_at\":1,\"scopes\":[\"x\"]}"),
                true, Map.of("token", "regex:[a-z]+\\.[a-z]+\\.[a-z]+"))).containsExactly(
                "token: string \"a.b\" does not match regex:[a-z]+\\.[a-z]+\\.[a-z]+");
    }

    @Test
    void aProviderMustShowTheElementsTheExampleHas() throws IOException {
        JsonNode expected = Contracts.JSON.readTree("{\"revocations\":[{\"jti\":\"a\"}]}");
        assertThat(Shapes.mismatches(expected, Contracts.JSON.readTree("{\"revocations\":[]}"), true, Map.of()))
                .singleElement().asString().startsWith("revocations: empty");
        assertThat(Shapes.mismatches(expected, Contracts.JSON.readTree("{\"revocations\":[]}"), false, Map.of())).isEmpty();
    }

    @Test
    void aConsumersRequestIsCheckedForPathQueryHeadersAndBody() {
        Contract mint = Contracts.get("instance-service", "token-service", "mint an AI token");
        Map<String, String> headers = Map.of("Authorization", "Basic aW5zdDpzZWNyZXQ=", "Content-Type", "application/json");
        assertThat(ContractVerifier.verifyConsumerRequest(mint, "POST", "/internal/v1/ai-tokens", headers::get,
                "{\"instance_id\":\"7c1e\",\"scopes\":[\"complete_code\"]}")).isEmpty();
        assertThat(ContractVerifier.verifyConsumerRequest(mint, "POST", "/internal/v1/ai-tokens", name -> null,
                "{\"instanceId\":\"7c1e\",\"scopes\":[\"complete_code\"]}")).containsExactlyInAnyOrder(
                "header Authorization: expected Basic {{instance-credentials}}, got null",
                "header Content-Type: expected regex:application/json.*, got null",
                "instance_id: missing", "instanceId: not in the contract");

        Contract revocations = Contracts.get("instance-service", "token-service", "revocations since");
        assertThat(ContractVerifier.verifyConsumerRequest(revocations, "GET", "/internal/v1/revocations?since=17",
                Map.of("Authorization", "Basic eA==")::get, null)).isEmpty();
        assertThat(ContractVerifier.verifyConsumerRequest(revocations, "GET", "/internal/v1/revocations?after=17",
                Map.of("Authorization", "Basic eA==")::get, null)).containsExactly(
                "query parameter since: expected {{since}}, got null", "query parameter after: not in the contract");
    }

    @Test
    void placeholdersTheProviderStateLeavesUnsetAreAnError() {
        assertThat(ContractVerifier.fill("Basic {{a}}", Map.of("a", "eA=="))).isEqualTo("Basic eA==");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContractVerifier.fill("{{b}}", Map.of()))
                .hasMessageContaining("no value");
    }

    @Test
    void anNdjsonAnswerMustHaveALineMatchingEachExampleEvent() throws IOException {
        List<JsonNode> examples = List.of(Contracts.JSON.readTree("{\"type\":\"delta\",\"text\":\"a\"}"),
                Contracts.JSON.readTree("{\"type\":\"done\",\"finish_reason\":\"stop\",\"usage?\":{\"n\":1}}"));
        assertThat(ContractVerifier.ndjsonMismatches(examples,
                "{\"type\":\"delta\",\"text\":\"x\"}\n{\"type\":\"delta\",\"text\":\"y\"}\n"
                        + "{\"type\":\"done\",\"finish_reason\":\"length\",\"usage\":null}\n", Map.of())).isEmpty();
        assertThat(ContractVerifier.ndjsonMismatches(examples,
                "{\"type\":\"delta\",\"content\":\"x\"}\n{\"type\":\"done\",\"finish_reason\":\"stop\"}\n", Map.of()))
                .singleElement().asString().startsWith("no line of the NDJSON answer matches the example event {\"type\":\"delta\"")
                .contains("text: missing");
        assertThat(ContractVerifier.ndjsonMismatches(examples, "data: {}\n", Map.of()))
                .containsExactly("a line of the NDJSON answer is not JSON: data: {}");
    }

    @Test
    void aStreamedAnswersStubIsItsExampleEventsOneALine() {
        Contract chat = Contracts.get("ai-gateway", "model-adapter", "a streamed chat answer from the model");
        String body = ContractVerifier.exampleResponseBody(chat);
        assertThat(body.lines().toList()).hasSize(2).allSatisfy(line -> assertThat(line).doesNotContain("?\""));
        assertThat(ContractVerifier.ndjsonMismatches(chat.response().ndjson(), body, Map.of())).isEmpty();
    }

    @Test
    void aStubsOwnBodyMustHaveTheExamplesShape() {
        Contract events = Contracts.get("instance-service", "token-service", "composite token events after the instance's cursor");
        com.github.tomakehurst.wiremock.WireMockServer server = new com.github.tomakehurst.wiremock.WireMockServer(
                com.github.tomakehurst.wiremock.core.WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        server.start();
        try {
            String renamed = ContractVerifier.exampleResponseBody(events).replace("\"user_id\"", "\"userId\"");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContractStubs.stub(server, events, "", renamed))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("events[].user_id: missing");
            String otherIds = ContractVerifier.exampleResponseBody(events).replace("\"id\":1,", "\"id\":77,");
            assertThat(ContractStubs.stub(server, events, "", otherIds)).isNotNull();
        } finally {
            server.stop();
        }
    }

    @Test
    void aStubsHeaderIsItsExampleWhichMustMatchTheRule() throws IOException {
        Contract throttled = Contracts.get("instance-service", "token-service",
                "forwarded: a token request while the client is throttled (POST /oauth/token, 429)");
        assertThat(throttled.response().headerExample("Retry-After")).isEqualTo("42");
        assertThat(throttled.response().headerExample("Content-Type")).isEqualTo("application/json");
        assertThat(throttled.response().headerExample("Cache-Control")).isEqualTo("no-store");
        String withoutExample = "{\"consumer\":\"a\",\"provider\":\"b\",\"interaction\":\"i\",\"request\":"
                + "{\"method\":\"GET\",\"path\":\"/x\"},\"response\":{\"status\":429,\"headers\":"
                + "{\"Retry-After\":\"regex:[1-9][0-9]*\"}%s}}";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Contracts.parse("a/b.i.json",
                        Contracts.JSON.readTree(withoutExample.formatted(""))))
                .hasMessageContaining("give it an example in \"headerExamples\"");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Contracts.parse("a/b.i.json",
                        Contracts.JSON.readTree(withoutExample.formatted(",\"headerExamples\":{\"Retry-After\":\"soon\"}"))))
                .hasMessageContaining("soon, which does not match regex:[1-9][0-9]*");
        assertThat(Contracts.parse("a/b.i.json", Contracts.JSON.readTree(withoutExample.formatted(
                ",\"headerExamples\":{\"Retry-After\":\"7\"}"))).response().headerExample("Retry-After")).isEqualTo("7");
    }
}
