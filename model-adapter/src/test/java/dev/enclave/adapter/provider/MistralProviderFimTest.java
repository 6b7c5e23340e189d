package dev.enclave.adapter.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MistralProviderFimTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void codestralsLayoutIsSplitBackIntoPromptAndSuffix() {
        ObjectNode body = json.createObjectNode();
        MistralProvider.splitFillInTheMiddle("[SUFFIX]\n    return total\n[PREFIX]def total(xs):\n    ", body);

        assertThat(body.get("prompt").asText()).isEqualTo("def total(xs):\n    ");
        assertThat(body.get("suffix").asText()).isEqualTo("\n    return total\n");
    }

    @Test
    void anythingElseIsThePromptAsItIs() {
        for (String prompt : new String[] {"def f():", "[SUFFIX] no prefix marker", "x [SUFFIX]a[PREFIX]b"}) {
            ObjectNode body = json.createObjectNode();
            MistralProvider.splitFillInTheMiddle(prompt, body);

            assertThat(body.get("prompt").asText()).isEqualTo(prompt);
            assertThat(body.has("suffix")).isFalse();
        }
    }
}
