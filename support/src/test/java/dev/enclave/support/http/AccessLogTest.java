package dev.enclave.support.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AccessLogTest {

    @Test
    void aPathIsLoggedAsItCameWhenItIsPlain() {
        assertThat(AccessLog.safe("/api/v4/code_suggestions/completions")).isEqualTo("/api/v4/code_suggestions/completions");
        assertThat(AccessLog.safe("/api/v4/projects/g%2Fp")).isEqualTo("/api/v4/projects/g%2Fp");
    }

    @Test
    void controlCharactersAndSpacesCannotForgeALogLine() {
        assertThat(AccessLog.safe("/a\nINFO forged 200")).isEqualTo("/a%0AINFO%20forged%20200");
        assertThat(AccessLog.safe("/a\r\tb\u007f")).isEqualTo("/a%0D%09b%7F");
    }
}
