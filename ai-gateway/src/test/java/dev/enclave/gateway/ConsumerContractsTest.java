package dev.enclave.gateway;

import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import dev.enclave.contracts.Contract;
import dev.enclave.contracts.ContractStubs;
import dev.enclave.contracts.Contracts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * ai-gateway as a consumer of model-adapter: a request to the gateway makes its real adapter client
 * call a stub that answers with the contract's example (model-adapter's ProviderContractsTest
 * verifies model-adapter against the same contract); what the gateway sent is checked against the
 * contract, and what it read from the answer is asserted in its own answer.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class ConsumerContractsTest {

    /** Where the fake serves model-adapter (quarkus.rest-client.model-adapter.url). */
    static final String ADAPTER = "/adapter";

    StubMapping stub;

    @AfterEach
    void removeStub() {
        if (stub != null) {
            FakeIssuerAndAdapter.server.removeStub(stub);
        }
    }

    private static RequestSpecification instance(List<String> scopes) {
        return given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.valid(scopes))
                .header("X-Gitlab-Authentication-Type", "oidc")
                .header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID);
    }

    @Test
    void aCompletionFromTheModel() {
        Contract contract = Contracts.get("ai-gateway", "model-adapter", "a completion from the model");
        stub = ContractStubs.stub(FakeIssuerAndAdapter.server, contract, ADAPTER);

        Response answer = instance(List.of("complete_code")).body(Map.of(
                        "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    "),
                        "model_provider", "litellm", "model_endpoint", "http://127.0.0.1:9/v1",
                        "model_api_key", "sk-model-key", "model_identifier", "custom_openai/codestral-22b",
                        "model_name", "codestral"))
                .post("/v2/code/completions");

        answer.then().statusCode(200);
        assertThat(answer.jsonPath().getString("choices[0].text")).isEqualTo(contract.response().body().get("text").asText());
        assertThat(answer.jsonPath().getString("choices[0].finish_reason"))
                .isEqualTo(contract.response().body().get("finish_reason").asText());
        assertThat(ContractStubs.requestMismatches(FakeIssuerAndAdapter.server, contract, stub, ADAPTER)).isEmpty();
    }

    @Test
    void aChatAnswerFromTheModel() {
        Contract contract = Contracts.get("ai-gateway", "model-adapter", "a chat answer from the model");
        stub = ContractStubs.stub(FakeIssuerAndAdapter.server, contract, ADAPTER);

        Response answer = instance(List.of("generate_code")).body(Map.of(
                        "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    "),
                        "model_provider", "litellm", "model_endpoint", "http://127.0.0.1:9/v1",
                        "model_api_key", "sk-model-key", "model_identifier", "custom_openai/codestral-22b",
                        "model_name", "codestral", "prompt_id", "code_suggestions/generations"))
                .post("/v2/code/generations");

        answer.then().statusCode(200);
        assertThat(answer.jsonPath().getString("choices[0].text")).isEqualTo(contract.response().body().get("text").asText());
        assertThat(answer.jsonPath().getString("choices[0].finish_reason"))
                .isEqualTo(contract.response().body().get("finish_reason").asText());
        assertThat(ContractStubs.requestMismatches(FakeIssuerAndAdapter.server, contract, stub, ADAPTER)).isEmpty();
    }

    @Test
    void aStreamedCompletionFromTheModel() {
        Contract contract = Contracts.get("ai-gateway", "model-adapter", "a streamed completion from the model");
        stub = ContractStubs.stub(FakeIssuerAndAdapter.server, contract, ADAPTER);

        Response answer = instance(List.of("complete_code")).body(Map.of(
                        "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    "),
                        "model_provider", "litellm", "model_endpoint", "http://127.0.0.1:9/v1",
                        "model_api_key", "sk-model-key", "model_identifier", "custom_openai/codestral-contract",
                        "model_name", "codestral", "stream", true))
                .post("/v2/code/completions");

        answer.then().statusCode(200);
        assertThat(answer.asString()).isEqualTo(contract.response().ndjson().get(0).get("text").asText());
        assertThat(ContractStubs.requestMismatches(FakeIssuerAndAdapter.server, contract, stub, ADAPTER)).isEmpty();
    }

    @Test
    void aStreamedChatAnswerFromTheModel() {
        Contract contract = Contracts.get("ai-gateway", "model-adapter", "a streamed chat answer from the model");
        stub = ContractStubs.stub(FakeIssuerAndAdapter.server, contract, ADAPTER);

        // an identifier no FakeStreamingAdapter script has: the stream comes from the contract's stub
        Response answer = instance(List.of("duo_chat")).body(Map.of(
                        "messages", List.of(Map.of("role", "user", "content", "How do I revert a commit?")),
                        "model_metadata", Map.of("provider", "litellm", "name", "mistral",
                                "endpoint", "http://127.0.0.1:9/v1", "api_key", "sk-model-key",
                                "identifier", "custom_openai/mistral-contract")))
                .post("/v2/chat/agent");

        answer.then().statusCode(200);
        String delta = contract.response().ndjson().get(0).get("text").asText();
        assertThat(answer.asString()).isEqualTo("{\"type\":\"final_answer_delta\",\"data\":{\"text\":\"" + delta + "\"}}\n");
        assertThat(ContractStubs.requestMismatches(FakeIssuerAndAdapter.server, contract, stub, ADAPTER)).isEmpty();
    }

    /**
     * model-adapter's error event, as the first event of a streamed completion (the contract's
     * only example event): the gateway's streaming client turns it into its own error, answered as
     * a non-streamed call's would be, since no text went out yet: 421 with the model's status
     * (502 for {@code model_server_error}, 504 for {@code model_server_timeout}) and the event's
     * message.
     */
    @Test
    void theErrorEventOfAStreamedCompletion() {
        Contract contract = Contracts.get("ai-gateway", "model-adapter", "the error event of a streamed completion");
        stub = ContractStubs.stub(FakeIssuerAndAdapter.server, contract, ADAPTER);

        Response answer = instance(List.of("complete_code")).body(Map.of(
                        "current_file", Map.of("file_name", "main.py", "content_above_cursor", "def add(a, b):\n    "),
                        "model_provider", "litellm", "model_endpoint", "http://127.0.0.1:9/v1",
                        "model_api_key", "sk-model-key", "model_identifier", "custom_openai/codestral-contract",
                        "model_name", "codestral", "stream", true))
                .post("/v2/code/completions");

        com.fasterxml.jackson.databind.JsonNode event = contract.response().ndjson().get(0);
        assertThat(event.get("error").asText()).isEqualTo("model_server_error");
        answer.then().statusCode(421);
        assertThat(answer.jsonPath().getString("detail")).isEqualTo("502: " + event.get("message").asText());
        assertThat(ContractStubs.requestMismatches(FakeIssuerAndAdapter.server, contract, stub, ADAPTER)).isEmpty();
    }

    /**
     * model-adapter's error event after the first delta of a streamed chat answer: the gateway's
     * streaming client has passed the delta on, and turns the event into GitLab's agent error event
     * with its message, retryable as {@code model_server_unreachable} is.
     */
    @Test
    void theErrorEventOfAStreamedChatAnswer() throws Exception {
        Contract contract = Contracts.get("ai-gateway", "model-adapter", "the error event of a streamed chat answer");
        stub = ContractStubs.stub(FakeIssuerAndAdapter.server, contract, ADAPTER);

        Response answer = instance(List.of("duo_chat")).body(Map.of(
                        "messages", List.of(Map.of("role", "user", "content", "How do I revert a commit?")),
                        "model_metadata", Map.of("provider", "litellm", "name", "mistral",
                                "endpoint", "http://127.0.0.1:9/v1", "api_key", "sk-model-key",
                                "identifier", "custom_openai/mistral-contract")))
                .post("/v2/chat/agent");

        answer.then().statusCode(200);
        com.fasterxml.jackson.databind.JsonNode delta = contract.response().ndjson().get(0);
        com.fasterxml.jackson.databind.JsonNode error = contract.response().ndjson().get(1);
        assertThat(error.get("error").asText()).isEqualTo("model_server_unreachable");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> lines = answer.asString().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(json.readTree(lines.get(0))).isEqualTo(json.readTree(
                "{\"type\":\"final_answer_delta\",\"data\":{\"text\":" + json.writeValueAsString(delta.get("text").asText()) + "}}"));
        assertThat(json.readTree(lines.get(1))).isEqualTo(json.readTree("{\"type\":\"error\",\"data\":{\"message\":"
                + json.writeValueAsString(error.get("message").asText()) + ",\"retryable\":true}}"));
        assertThat(ContractStubs.requestMismatches(FakeIssuerAndAdapter.server, contract, stub, ADAPTER)).isEmpty();
    }

    /**
     * The fake token-service's discovery document and key set are token-service's contract examples
     * filled with this test's issuer and key ({@link TestTokens}): an AI token signed with that key
     * gets past authentication (to the 422 of an empty body), one signed with another key does not.
     */
    @Test
    void aiTokensAreVerifiedAgainstTheContractsDiscoveryAndKeySet() {
        instance(List.of("complete_code")).body(Map.of()).post("/v2/code/completions").then().statusCode(422);
        given().contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + TestTokens.sign(TestTokens.UNKNOWN, TestTokens.claims(List.of("complete_code"))))
                .header("X-Gitlab-Authentication-Type", "oidc").header("X-Gitlab-Realm", "self-managed")
                .header("X-Gitlab-Instance-Id", TestTokens.INSTANCE_ID)
                .body(Map.of()).post("/v2/code/completions").then().statusCode(401);
    }
}
