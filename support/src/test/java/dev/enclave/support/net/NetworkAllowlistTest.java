package dev.enclave.support.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetworkAllowlistTest {

    private static final NetworkAllowlist LOCAL = allowlist(
            "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7");

    private static NetworkAllowlist allowlist(String... cidrs) {
        return NetworkAllowlist.parse(List.of(cidrs));
    }

    private static InetAddress ip(String literal) {
        return IpLiteral.parse(literal);
    }

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, true", "127.255.255.254, true", "10.20.30.40, true", "172.16.0.1, true",
            "172.31.255.255, true", "192.168.1.1, true", "::1, true", "fd12:3456::1, true", "fc00::, true",
            "8.8.8.8, false", "172.32.0.1, false", "172.15.255.255, false", "192.169.0.1, false",
            "11.0.0.1, false", "::2, false", "fe80::1, false", "2001:db8::1, false", "128.0.0.1, false"})
    void decidesInsideAndOutside(String address, boolean allowed) {
        assertThat(LOCAL.allows(ip(address))).isEqualTo(allowed);
    }

    @Test
    void ipv4MappedAddressesAreMatchedAsIpv4() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 1, 2, 3};
        byte[] mappedOutside = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 8, 8, 8, 8};
        // built as Inet6Address on purpose: InetAddress.getByAddress would already hand back an Inet4Address
        InetAddress inside = Inet6Address.getByAddress(null, mapped, -1);
        InetAddress outside = Inet6Address.getByAddress(null, mappedOutside, -1);

        assertThat(inside).isInstanceOf(Inet6Address.class);
        assertThat(IpLiteral.unmapped(inside)).isInstanceOf(Inet4Address.class).isEqualTo(ip("10.1.2.3"));
        assertThat(LOCAL.allows(inside)).isTrue();
        assertThat(LOCAL.allows(outside)).isFalse();
    }

    @Test
    void anIpv4MappedNetworkIsTheIpv4NetworkItCovers() {
        NetworkAllowlist mapped = allowlist("::ffff:10.0.0.0/104");

        assertThat(Cidr.of("::ffff:10.0.0.0/104").prefixLength()).isEqualTo(8);
        assertThat(Cidr.of("::ffff:10.0.0.0/104")).isEqualTo(Cidr.of("10.0.0.0/8"));
        assertThat(mapped.allows(ip("10.9.9.9"))).isTrue();
        assertThat(mapped.allows(ip("::ffff:10.9.9.9"))).isTrue();
        assertThat(mapped.allows(ip("11.0.0.1"))).isFalse();
    }

    @Test
    void anEmptyListAllowsNothing() {
        NetworkAllowlist none = allowlist();

        assertThat(none.isEmpty()).isTrue();
        assertThat(none.allows(ip("127.0.0.1"))).isFalse();
        assertThat(none.allows(ip("::1"))).isFalse();
        assertThat(allowlist(" ", "").isEmpty()).as("blank entries are no networks").isTrue();
    }

    @Test
    void zeroPrefixesAllowAFamilyAndHostPrefixesOneAddress() {
        NetworkAllowlist list = allowlist("0.0.0.0/0", "2001:db8::5/128");

        assertThat(list.allows(ip("203.0.113.1"))).isTrue();
        assertThat(list.allows(ip("2001:db8::5"))).isTrue();
        assertThat(list.allows(ip("2001:db8::6"))).isFalse();
        assertThat(list.allows(ip("::ffff:203.0.113.1"))).as("a mapped address is IPv4, inside 0.0.0.0/0").isTrue();
    }

    @Test
    void anIpv6NetworkDoesNotMatchIpv4AddressesNorTheOtherWayRound() {
        assertThat(allowlist("::/0").allows(ip("10.0.0.1"))).isFalse();
        assertThat(allowlist("0.0.0.0/0").allows(ip("fd00::1"))).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "10.0.0.0        | it needs a prefix length",
            "10.0.0/8        | '10.0.0' is not an IPv4 (a.b.c.d) or IPv6 address",
            "010.0.0.0/8     | '010.0.0.0' is not an IPv4",
            "0177.0.0.1/32   | '0177.0.0.1' is not an IPv4",
            "0x7f.0.0.1/32   | '0x7f.0.0.1' is not an IPv4",
            "2130706433/32   | '2130706433' is not an IPv4",
            "example.com/24  | 'example.com' is not an IPv4",
            "localhost/8     | 'localhost' is not an IPv4",
            "10.0.0.0/33     | the prefix length must be a number from 0 to 32",
            "fc00::/129      | the prefix length must be a number from 0 to 128",
            "10.0.0.0/-1     | the prefix length must be a number",
            "10.0.0.0/+8     | the prefix length must be a number",
            "10.0.0.0/08x    | the prefix length must be a number",
            "10.0.0.0/       | the prefix length must be a number",
            "10.0.0.0/8/8    | the prefix length must be a number",
            "10.0.0.1/8      | it has host bits set; the network is 10.0.0.0/8",
            "fd00::1/8       | it has host bits set; the network is fd00:0:0:0:0:0:0:0/8",
            "fe80::1%eth0/64 | is not an IPv4 (a.b.c.d) or IPv6 address",
            "[fc00::]/7      | is not an IPv4 (a.b.c.d) or IPv6 address",
            "::ffff:10.0.0.0/95 | an IPv4-mapped network needs a prefix of at least 96"})
    void badEntriesAreRefusedByName(String entry, String why) {
        assertThatThrownBy(() -> Cidr.of(entry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("CIDR '" + entry + "' is not valid: ")
                .hasMessageContaining(why);
    }

    @Test
    void theConverterReadsOneEntryAndRefusesJunkByName() {
        assertThat(new CidrConverter().convert(" 192.168.0.0/16 ")).isEqualTo(Cidr.of("192.168.0.0/16"))
                .hasToString("192.168.0.0/16");
        assertThatThrownBy(() -> new CidrConverter().convert("192.168.0.0/33"))
                .hasMessage("CIDR '192.168.0.0/33' is not valid: the prefix length must be a number from 0 to 32");
    }
}
