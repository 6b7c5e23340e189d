package dev.enclave.instance;

import dev.enclave.support.testing.RawHttp;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12 #6: a body over {@code quarkus.http.limits.max-body-size} (1M) is refused with 413 in
 * GitLab's error shape from its headers alone: a 9 MB Content-Length is answered before a single
 * byte of the body is sent, so nothing of it is read into the heap, whoever the caller is; a
 * chunked body is refused once it passes the limit. (Bodies under the limit still reach the
 * endpoints: CodeSuggestionsTest's 600,001-byte body gets the endpoint's own 413.)
 */
@QuarkusTest
@QuarkusTestResource(FakeTokenServiceAndGateway.class)
class BodyLimitTest {

    static final long NINE_MB = 9L * 1024 * 1024;

    @Test
    void aNineMegabyteBodyIsRefusedBeforeItIsSent() throws Exception {
        for (String path : new String[] {"/api/v4/code_suggestions/completions", "/oauth/token", "/api/v4/user"}) {
            RawHttp.Answer answer = RawHttp.declaredOnly(RestAssured.port, path, NINE_MB);
            assertThat(answer.status()).as(path).isEqualTo(413);
            assertThat(answer.body()).as(path).isEqualTo("{\"message\":\"413 Request Entity Too Large\"}");
            assertThat(answer.header("X-GitLab-Error-Origin")).as(path).isEqualTo("monolith");
        }
    }

    @Test
    void aChunkedBodyIsRefusedOnceItPassesTheLimit() throws Exception {
        RawHttp.Answer answer = RawHttp.endlessChunked(RestAssured.port, "/api/v4/code_suggestions/completions", NINE_MB);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.body()).isEqualTo("{\"message\":\"413 Request Entity Too Large\"}");
    }

    @Test
    void aBodyUnderTheLimitIsRead() throws Exception {
        // positive control: the refusal is the size, not the route or the missing token
        assertThat(RawHttp.declaredOnly(RestAssured.port, "/api/v4/code_suggestions/completions", 0).status())
                .isNotEqualTo(413);
    }
}
