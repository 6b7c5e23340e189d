package dev.enclave.adapter;

import dev.enclave.support.testing.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12, finding 6: a request body over {@code quarkus.http.limits.max-body-size} is refused
 * with 413 in this service's error shape before it is read: one that declares its length at once
 * (the test sends none of it), a chunked one once it passes the limit.
 */
@QuarkusTest
@QuarkusTestResource(SimulatedModelServer.class)
@QuarkusTestResource(FakeTokenService.class)
class RequestBodyLimitTest {

    static final int NINE_MB = 9 * 1024 * 1024;
    static final String REFUSAL = "{\"error\":\"request_too_large\",\"message\":\"the request body is larger than"
            + " model-adapter's limit of 4194304 bytes (quarkus.http.limits.max-body-size)\"}";

    @Test
    void aNineMegabyteBodyIsRefusedUnreadWith413() throws Exception {
        RawHttp.Answer answer = RawHttp.declaredOnly(RestAssured.port, "/v1/completions", NINE_MB);
        assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
        assertThat(answer.body()).isEqualTo(REFUSAL);
    }

    @Test
    void aChunkedBodyIsRefusedOnceItPassesTheLimit() throws Exception {
        RawHttp.Answer answer = RawHttp.endlessChunked(RestAssured.port, "/v1/completions", NINE_MB);
        assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
        assertThat(answer.body()).isEqualTo(REFUSAL);
    }

    @Test
    void aChunkedBodyUnderTheLimitIsServed() throws Exception {
        // ai-gateway's client may send its call chunked: read whole (counted), then served as usual
        String call = "{\"model\":{\"provider\":\"openai_compatible\",\"endpoint\":\""
                + SimulatedModelServer.simulator.baseUrl() + "\",\"identifier\":\"" + SimulatedModelServer.MODEL
                + "\",\"api_key\":\"" + SimulatedModelServer.API_KEY + "\"},\"prompt\":\"def f():\",\"max_tokens\":4}";
        RawHttp.Answer answer = RawHttp.chunked(RestAssured.port, "/v1/completions",
                Map.of("Authorization", "Bearer " + TestTokens.valid()), call.getBytes(StandardCharsets.UTF_8));
        assertThat(answer.statusLine()).as(answer.body()).isEqualTo("HTTP/1.1 200 OK");
    }

    @Test
    void aBodyUnderTheLimitIsRead() throws Exception {
        // positive control: the refusal is the size, not the route or the missing token
        assertThat(RawHttp.declaredOnly(RestAssured.port, "/v1/completions", 0).status()).isNotEqualTo(413);
    }
}
