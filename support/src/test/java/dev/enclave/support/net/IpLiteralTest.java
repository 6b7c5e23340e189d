package dev.enclave.support.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one reading of IP literals that every allowlist uses: canonical forms only, never DNS. */
class IpLiteralTest {

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"0.0.0.0, 0.0.0.0", "127.0.0.1, 127.0.0.1", "10.20.30.40, 10.20.30.40",
            "255.255.255.255, 255.255.255.255", "192.168.0.100, 192.168.0.100"})
    void dottedQuadsAreIpv4(String text, String expected) {
        assertThat(IpLiteral.ipv4(text)).isInstanceOf(Inet4Address.class)
                .extracting(InetAddress::getHostAddress).isEqualTo(expected);
        assertThat(IpLiteral.parse(text)).isEqualTo(IpLiteral.ipv4(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "2130706433", "127.1", "127.0.1",
            "127.0.0.01", "00.0.0.0", "256.0.0.1", "1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2.3", "1.2.3.-4",
            "+1.2.3.4", " 1.2.3.4", "1.2.3.4 ", "１.2.3.4", "localhost", "example.com", "", "1.2.3.4/32"})
    void everyOtherIpv4SpellingIsRefusedWithoutALookup(String text) {
        assertThat(IpLiteral.ipv4(text)).isNull();
        assertThat(IpLiteral.parse(text)).isNull();
    }

    @ParameterizedTest
    @CsvSource({"::, 0:0:0:0:0:0:0:0", "::1, 0:0:0:0:0:0:0:1", "fd00::1, fd00:0:0:0:0:0:0:1",
            "FD00:0:0:0:0:0:0:1, fd00:0:0:0:0:0:0:1", "2001:db8::8a2e:370:7334, 2001:db8:0:0:0:8a2e:370:7334",
            "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0", "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8",
            "64:ff9b::192.0.2.33, 64:ff9b:0:0:0:0:c000:221"})
    void rfc4291TextIsIpv6(String text, String expected) {
        assertThat(IpLiteral.ipv6(text)).isInstanceOf(Inet6Address.class)
                .extracting(InetAddress::getHostAddress).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"::ffff:10.1.2.3, 10.1.2.3", "::FFFF:127.0.0.1, 127.0.0.1", "::ffff:a01:203, 10.1.2.3",
            "0:0:0:0:0:ffff:808:808, 8.8.8.8"})
    void ipv4MappedIpv6IsTheIpv4AddressItCarries(String text, String ipv4) {
        assertThat(IpLiteral.ipv6(text)).isInstanceOf(Inet4Address.class)
                .extracting(InetAddress::getHostAddress).isEqualTo(ipv4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fe80::1%eth0", "fe80::1%1", "fe80::1%25eth0", ":::", "1:::2", ":1::", "1::2::3",
            "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", "12345::", "g::1", "::ffff:0177.0.0.1",
            "::ffff:1.2.3", "::ffff:1.2.3.4:5", "1.2.3.4::", "[::1]", "::1/128", "", ":"})
    void malformedIpv6AndZoneIdsAreRefused(String text) {
        assertThat(IpLiteral.ipv6(text)).isNull();
        assertThat(IpLiteral.parse(text)).isNull();
    }

    @Test
    void onlyMappedAddressesAreUnmapped() throws Exception {
        InetAddress mapped = Inet6Address.getByAddress(null, bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1), -1);
        InetAddress compatible = Inet6Address.getByAddress(null, bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1), -1);
        InetAddress ipv4 = IpLiteral.ipv4("10.0.0.1");

        assertThat(IpLiteral.unmapped(mapped)).isInstanceOf(Inet4Address.class).isEqualTo(ipv4);
        assertThat(IpLiteral.unmapped(compatible)).isSameAs(compatible);
        assertThat(IpLiteral.unmapped(ipv4)).isSameAs(ipv4);
    }

    @ParameterizedTest
    @CsvSource({"10.1.2.3, 10.1.2.3", "10.1.2.3., 10.1.2.3", "[::1], 0:0:0:0:0:0:0:1", "[FD00::1], fd00:0:0:0:0:0:0:1",
            "[::ffff:8.8.4.4], 8.8.4.4"})
    void aUrlHostThatIsALiteralIsItsAddress(String host, String expected) {
        assertThat(IpLiteral.ofUrlHost(host)).get().extracting(InetAddress::getHostAddress).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"models.example.com", "localhost", "vllm", "1.2.3.example", "0x7f.example", "cafe.beef",
            "a1", "models.example.com."})
    void aUrlHostThatIsANameIsLeftForTheResolver(String host) {
        assertThat(IpLiteral.ofUrlHost(host)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2130706433", "0x7f000001", "0X7F000001", "0x7f.0.0.1", "0177.0.0.1", "127.1",
            "127.0.0.01", "0300.0250.0.1", "1.2.3.4.5", "256.0.0.1", "model.0x1", "example.123", "0x"})
    void aUrlHostInANumericFormThatIsNotADottedQuadIsRefused(String host) {
        assertThatThrownBy(() -> IpLiteral.ofUrlHost(host)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("host '" + host + "' is a numeric form that is not a dotted-quad IPv4 address; "
                        + "write IPv4 addresses as four decimal octets (a.b.c.d)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[fe80::1%eth0]", "[fe80::1%25eth0]", "[10.0.0.1]", "[example.com]", "[]"})
    void aBracketedUrlHostMustBeIpv6WithoutAZone(String host) {
        assertThatThrownBy(() -> IpLiteral.ofUrlHost(host)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("host " + host + " is not an IPv6 address (zone ids are not accepted)");
    }
}
