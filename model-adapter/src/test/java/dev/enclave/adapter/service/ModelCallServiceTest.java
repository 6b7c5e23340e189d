package dev.enclave.adapter.service;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ModelCallServiceTest {

    @Test
    void keysQuotedInAModelServersErrorAreRemoved() {
        assertThat(ModelCallService.withoutSecrets("Incorrect API key provided: sk-abcdef123", "sk-abcdef123"))
                .isEqualTo("Incorrect API key provided: [redacted]");
        assertThat(ModelCallService.withoutSecrets("bad secret wJalrXUtnFEMI/K7MDENG for AKIDEXAMPLE",
                "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG"))
                .isEqualTo("bad secret [redacted] for [redacted]");
        assertThat(ModelCallService.withoutSecrets("nothing to hide", null)).isEqualTo("nothing to hide");
    }
}
