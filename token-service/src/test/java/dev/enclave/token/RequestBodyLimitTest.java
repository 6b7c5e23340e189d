package dev.enclave.token;

import dev.enclave.support.testing.RawHttp;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request body over {@code quarkus.http.limits.max-body-size} (1M: every body here is a small
 * form or JSON document) is refused with 413 in OAuth's error shape before it is read: one that
 * declares its length at once (the test sends none of it), a chunked one once it passes the limit.
 */
@QuarkusTest
class RequestBodyLimitTest {

    static final long NINE_MB = 9L * 1024 * 1024;
    static final String REFUSAL = "{\"error\":\"invalid_request\",\"error_description\":\"the request body is larger"
            + " than token-service's limit of 1048576 bytes (quarkus.http.limits.max-body-size)\"}";

    @Test
    void aNineMegabyteBodyIsRefusedBeforeItIsSent() throws Exception {
        for (String path : new String[] {"/oauth/token", "/internal/v1/ai-tokens"}) {
            RawHttp.Answer answer = RawHttp.declaredOnly(RestAssured.port, path, NINE_MB);
            assertThat(answer.status()).as(path).isEqualTo(413);
            assertThat(answer.body()).as(path).isEqualTo(REFUSAL);
        }
    }

    @Test
    void aChunkedBodyIsRefusedOnceItPassesTheLimit() throws Exception {
        RawHttp.Answer answer = RawHttp.endlessChunked(RestAssured.port, "/oauth/token", NINE_MB);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.body()).isEqualTo(REFUSAL);
    }

    @Test
    void aBodyUnderTheLimitIsRead() throws Exception {
        // positive control: the refusal is the size, not the route or the missing credentials
        assertThat(RawHttp.declaredOnly(RestAssured.port, "/oauth/token", 0).status()).isNotEqualTo(413);
    }
}
