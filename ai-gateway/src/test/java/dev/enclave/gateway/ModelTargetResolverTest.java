package dev.enclave.gateway;

import dev.enclave.gateway.client.AdapterWire;
import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.gateway.service.ModelTargetResolver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelTargetResolverTest {

    private final ModelTargetResolver resolver = new ModelTargetResolver();

    @ParameterizedTest
    @CsvSource({
            "custom_openai/codestral-22b, openai_compatible, codestral-22b",
            "hosted_vllm/llama3-8b, openai_compatible, llama3-8b",
            "ollama/codegemma, openai_compatible, codegemma",
            "codestral-22b, openai_compatible, codestral-22b",
            "mistral/codestral-latest, mistral, codestral-latest",
            "anthropic/claude-3-5-sonnet-20241022, anthropic, claude-3-5-sonnet-20241022",
            "azure/gpt-4o-prod, azure_openai, gpt-4o-prod",
            "bedrock/anthropic.claude-3-haiku-20240307-v1:0, bedrock, anthropic.claude-3-haiku-20240307-v1:0",
            "vertex_ai/gemini-1.5-pro-002, vertex_ai, gemini-1.5-pro-002"})
    void theLitellmPrefixChoosesTheAdaptersProvider(String identifier, String provider, String model) {
        AdapterWire.ModelTarget target = resolver.resolve("litellm", "https://models.internal/v1", identifier, "k");

        assertThat(target.provider()).isEqualTo(provider);
        assertThat(target.identifier()).isEqualTo(model);
    }

    @Test
    void onlyBedrockMayLeaveTheEndpointEmpty() {
        assertThat(resolver.resolveMetadata("", "bedrock/amazon.nova-pro-v1:0", "AKID:secret").endpoint()).isNull();
        assertThatThrownBy(() -> resolver.resolveMetadata("", "mistral/codestral-latest", "k"))
                .isInstanceOf(GatewayException.class).hasMessage("model_metadata.endpoint: field required for self-hosted models");
        assertThatThrownBy(() -> resolver.resolve("litellm", null, "custom_openai/m", "k"))
                .hasMessage("model_endpoint: field required for self-hosted models");
    }

    @Test
    void unknownPrefixesAndNonHttpEndpointsAreRefused() {
        assertThatThrownBy(() -> resolver.resolve("litellm", "http://h/v1", "fireworks_ai/llama", "k"))
                .hasMessageStartingWith("model_identifier: unknown provider prefix 'fireworks_ai'");
        assertThatThrownBy(() -> resolver.resolve("litellm", "file:///etc/passwd", "m", "k"))
                .hasMessage("model_endpoint: not an absolute http(s) URL: file:///etc/passwd");
    }
}
