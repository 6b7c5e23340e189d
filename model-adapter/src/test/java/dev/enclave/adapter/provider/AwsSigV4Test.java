package dev.enclave.adapter.provider;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Signatures exactly as AWS's published Signature Version 4 test suite gives them. */
class AwsSigV4Test {

    private static final AwsSigV4.Credentials EXAMPLE =
            new AwsSigV4.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private static final Instant SUITE_TIME = Instant.parse("2015-08-30T12:36:00Z");
    private static final String SCOPE = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

    private static Map<String, String> sign(String method, String query, Map<String, String> headers, String body) {
        return AwsSigV4.sign(new AwsSigV4.Request(method, "example.amazonaws.com", "/", query, headers,
                body.getBytes(StandardCharsets.UTF_8)), EXAMPLE, "us-east-1", "service", SUITE_TIME);
    }

    @Test
    void getVanilla() {
        Map<String, String> added = sign("GET", null, Map.of(), "");

        assertThat(added).containsEntry("X-Amz-Date", "20150830T123600Z");
        assertThat(added.get("Authorization")).isEqualTo("AWS4-HMAC-SHA256 " + SCOPE
                + ", SignedHeaders=host;x-amz-date, "
                + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }

    @Test
    void getVanillaCanonicalRequestHashesAsPublished() {
        TreeMap<String, String> headers = new TreeMap<>(Map.of("host", "example.amazonaws.com",
                "x-amz-date", "20150830T123600Z"));
        String canonical = AwsSigV4.canonicalRequest("GET", "/", null, headers,
                AwsSigV4.sha256Hex(new byte[0]));

        assertThat(canonical).isEqualTo("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                + "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(AwsSigV4.sha256Hex(canonical.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    }

    @Test
    void postVanilla() {
        assertThat(sign("POST", null, Map.of(), "").get("Authorization")).endsWith(
                "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
    }

    @Test
    void postWithABody() {
        assertThat(sign("POST", null, Map.of("Content-Type", "application/x-www-form-urlencoded"), "Param1=value1")
                .get("Authorization")).isEqualTo("AWS4-HMAC-SHA256 " + SCOPE
                + ", SignedHeaders=content-type;host;x-amz-date, "
                + "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
    }

    @Test
    void queryParametersAreSortedByName() {
        assertThat(sign("GET", "Param2=value2&Param1=value1", Map.of(), "").get("Authorization")).endsWith(
                "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
    }

    @Test
    void pathSegmentsAreEncodedTwiceAsEveryServiceButS3Wants() {
        TreeMap<String, String> headers = new TreeMap<>(Map.of("host", "h"));
        assertThat(AwsSigV4.canonicalRequest("POST", "/model/anthropic.claude-v2%3A1/converse", null, headers, "x"))
                .startsWith("POST\n/model/anthropic.claude-v2%253A1/converse\n");
    }

    @Test
    void sessionCredentialsAddAndSignTheSecurityToken() {
        Map<String, String> added = AwsSigV4.sign(new AwsSigV4.Request("POST", "h", "/", null, Map.of(), new byte[0]),
                AwsSigV4.Credentials.parse("AKID:secret:the-session-token"), "us-east-1", "bedrock", SUITE_TIME);

        assertThat(added).containsEntry("X-Amz-Security-Token", "the-session-token");
        assertThat(added.get("Authorization")).contains("SignedHeaders=host;x-amz-date;x-amz-security-token,");
    }

    @Test
    void credentialsComeFromTheApiKeyAndNeverShowTheSecret() {
        AwsSigV4.Credentials credentials = AwsSigV4.Credentials.parse("AKIDEXAMPLE:very/secret+key");

        assertThat(credentials.accessKeyId()).isEqualTo("AKIDEXAMPLE");
        assertThat(credentials.secretAccessKey()).isEqualTo("very/secret+key");
        assertThat(credentials.toString()).doesNotContain("very/secret+key");
        assertThatThrownBy(() -> AwsSigV4.Credentials.parse("only-one-part-secret"))
                .hasMessageContaining("ACCESS_KEY_ID:SECRET_ACCESS_KEY")
                .hasMessageNotContaining("only-one-part-secret");
        assertThatThrownBy(() -> AwsSigV4.Credentials.parse("AKID:"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
