package dev.enclave.gateway;

import dev.enclave.support.testing.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, finding 6: a request body over {@code quarkus.http.limits.max-body-size} is refused
 * with 413 in this service's error shape before it is read: one that declares its length at once
 * (the test sends none of it), a chunked one once it passes the limit.
 */
@QuarkusTest
@QuarkusTestResource(FakeIssuerAndAdapter.class)
class RequestBodyLimitTest {

    static final int NINE_MB = 9 * 1024 * 1024;
    static final String REFUSAL = "{\"detail\":\"the request body is larger than ai-gateway's limit of 2097152 bytes"
            + " (quarkus.http.limits.max-body-size)\"}";

    @Test
    void aNineMegabyteBodyIsRefusedUnreadWith413() throws Exception {
        RawHttp.Answer answer = RawHttp.declaredOnly(RestAssured.port, "/v2/code/completions", NINE_MB);
        assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
        assertThat(answer.body()).isEqualTo(REFUSAL);
    }

    @Test
    void aChunkedBodyIsRefusedOnceItPassesTheLimit() throws Exception {
        RawHttp.Answer answer = RawHttp.endlessChunked(RestAssured.port, "/v2/code/completions", NINE_MB);
        assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
        assertThat(answer.body()).isEqualTo(REFUSAL);
    }

    @Test
    void aBodyUnderTheLimitIsRead() throws Exception {
        // positive control: the refusal is the size, not the route or the missing token
        assertThat(RawHttp.declaredOnly(RestAssured.port, "/v2/code/completions", 0).status()).isNotEqualTo(413);
    }
}
