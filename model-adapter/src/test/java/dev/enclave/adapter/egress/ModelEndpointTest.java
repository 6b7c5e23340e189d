package dev.enclave.adapter.egress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelEndpointTest {

    @Test
    void aHostNameIsLeftForTheResolver() {
        ModelEndpoint endpoint = ModelEndpoint.parse("https://Models.Example.COM/v1/");

        assertThat(endpoint.host()).isEqualTo("models.example.com");
        assertThat(endpoint.literal()).isNull();
        assertThat(endpoint.port()).isEqualTo(443);
        assertThat(endpoint.tls()).isTrue();
        assertThat(endpoint.basePath()).isEqualTo("/v1");
        assertThat(endpoint.authority()).isEqualTo("models.example.com");
        assertThat(endpoint.url("/v1/completions")).isEqualTo("https://models.example.com/v1/completions");
    }

    @Test
    void literalsAreAddressesAndKeepTheirPortInTheHostHeader() throws Exception {
        ModelEndpoint v4 = ModelEndpoint.parse("http://10.1.2.3:8000/v1");
        ModelEndpoint v6 = ModelEndpoint.parse("http://[FD00::1]:8000");
        ModelEndpoint mapped = ModelEndpoint.parse("http://[::ffff:10.0.0.1]/");

        assertThat(v4.literal()).isEqualTo(InetAddress.getByName("10.1.2.3"));
        assertThat(v4.authority()).isEqualTo("10.1.2.3:8000");
        assertThat(v6.literal()).isEqualTo(InetAddress.getByName("fd00::1"));
        assertThat(v6.authority()).isEqualTo("[fd00::1]:8000");
        assertThat(mapped.literal()).isEqualTo(InetAddress.getByName("10.0.0.1"));
        assertThat(mapped.authority()).isEqualTo("[::ffff:10.0.0.1]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "127.1", "127.0.0.01",
            "0300.0250.0.1", "1.2.3.4.5", "256.0.0.1", "model.0x1", "example.123"})
    void numericFormsThatAreNotDottedQuadsAreRefused(String host) {
        assertThatThrownBy(() -> ModelEndpoint.parse("http://" + host + ":8000/v1"))
                .hasMessage("model endpoint host '" + host + "' is a numeric form that is not a dotted-quad IPv4 "
                        + "address; write IPv4 addresses as four decimal octets (a.b.c.d)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ftp://10.0.0.1/         | is not an http(s) URL",
            "http:///v1              | has no host",
            "http://[fe80::1%25eth0]/ | is not an IPv6 address (zone ids are not accepted)",
            "http://[::1             | is not a valid URL",
            "http://10.0.0.1:0/      | has an invalid port '0'",
            "http://10.0.0.1:65536/  | has an invalid port '65536'",
            "http://m%C3%BCnchen.de/ | is not a valid host name",
            "http://bad..name/       | is not a valid host name",
            "http://10.0.0.1/v1?x=1  | must not have a query or fragment"})
    void malformedEndpointsAreRefused(String url, String why) {
        assertThatThrownBy(() -> ModelEndpoint.parse(url)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(why);
    }

    @Test
    void userInfoIsRefusedWithoutRepeatingIt() {
        assertThatThrownBy(() -> ModelEndpoint.parse("https://svc:s3cret@10.0.0.1/v1"))
                .hasMessage("model endpoint must not contain user info; put the credentials in api_key");
    }

    @Test
    void versionSegmentsAreAddedOrRemovedOnce() {
        assertThat(ModelEndpoint.parse("http://h:1/v1").basePathEndingWith("/v1")).isEqualTo("/v1");
        assertThat(ModelEndpoint.parse("http://h:1").basePathEndingWith("/v1")).isEqualTo("/v1");
        assertThat(ModelEndpoint.parse("http://h:1/proxy/v1/").basePathWithout("/v1")).isEqualTo("/proxy");
    }

    @Test
    void pathSegmentsArePercentEncodedAsAwsAndRfc3986Want() {
        assertThat(ModelEndpoint.pathSegment("anthropic.claude-3-haiku-20240307-v1:0"))
                .isEqualTo("anthropic.claude-3-haiku-20240307-v1%3A0");
        assertThat(ModelEndpoint.pathSegment("a b/c~d_é")).isEqualTo("a%20b%2Fc~d_%C3%A9");
    }
}
