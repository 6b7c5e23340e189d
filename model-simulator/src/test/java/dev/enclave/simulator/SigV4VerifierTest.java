package dev.enclave.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The verifier's math against AWS's published SigV4 test suite, so the fake refuses what AWS would. */
class SigV4VerifierTest {

    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void getVanillaFromTheAwsTestSuite() {
        Headers headers = new Headers();
        headers.add("Host", "example.amazonaws.com");
        headers.add("X-Amz-Date", "20150830T123600Z");
        String canonical = SigV4Verifier.canonicalRequest("GET", "/", null, List.of("host", "x-amz-date"), headers,
                EMPTY_SHA256);

        assertThat(SigV4Verifier.sha256Hex(canonical))
                .isEqualTo("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
        assertThat(SigV4Verifier.signature(SECRET, "20150830", "us-east-1", "service", SigV4Verifier.stringToSign(
                "20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical)))
                .isEqualTo("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }

    @Test
    void acceptsTheSuitesSignedRequestAndRefusesATamperedOne() {
        Headers headers = new Headers();
        headers.add("Host", "example.amazonaws.com");
        headers.add("X-Amz-Date", "20150830T123600Z");
        headers.add("Content-Type", "application/x-www-form-urlencoded");
        headers.add("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date, "
                + "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
        SigV4Verifier.Key key = new SigV4Verifier.Key("AKIDEXAMPLE", SECRET);
        Instant signedAt = Instant.parse("2015-08-30T12:36:00Z");

        assertThat(SigV4Verifier.verify("POST", "/", null, headers, "Param1=value1", key, "us-east-1", "service",
                signedAt)).isNull();
        assertThat(SigV4Verifier.verify("POST", "/", null, headers, "Param1=value2", key, "us-east-1", "service",
                signedAt).type()).isEqualTo("InvalidSignatureException");
    }
}
