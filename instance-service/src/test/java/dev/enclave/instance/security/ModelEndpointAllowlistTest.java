package dev.enclave.instance.security;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The instance's policy over the shared parser: what a model endpoint may resolve to when it is saved. */
class ModelEndpointAllowlistTest {

    private final List<String> lookedUp = new ArrayList<>();

    /** A resolver that knows a few names and records every lookup. */
    private ModelEndpointAllowlist allowlist(String... cidrs) {
        Map<String, String> names = Map.of("vllm.internal", "10.20.1.5", "public.example", "203.0.113.9");
        return new ModelEndpointAllowlist(List.of(cidrs), host -> {
            lookedUp.add(host);
            String address = names.get(host);
            if (address == null) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[]{InetAddress.getByName(address)};
        });
    }

    @Test
    void literalsAreCheckedAsTheyAreWithoutALookup() {
        ModelEndpointAllowlist allowlist = allowlist("10.0.0.0/8", "fd00::/8");

        assertThat(allowlist.refusal("http://10.20.1.5:8000/v1")).isEmpty();
        assertThat(allowlist.refusal("http://[fd00::5]:8000/v1")).isEmpty();
        assertThat(allowlist.refusal("http://[::ffff:10.1.1.1]/v1")).as("IPv4-mapped is its IPv4 address").isEmpty();
        assertThat(allowlist.refusal("http://[::ffff:8.8.4.4]/v1")).get().asString()
                .isEqualTo("endpoint host [::ffff:8.8.4.4] resolves to 8.8.4.4, which is outside the allowed networks "
                        + "[10.0.0.0/8, fd00::/8]");
        assertThat(lookedUp).isEmpty();
    }

    @Test
    void theUnspecifiedAddressIsNeverAllowedEvenInsideAnAllowedNetwork() {
        ModelEndpointAllowlist allowlist = allowlist("0.0.0.0/0", "::/0");

        assertThat(allowlist.refusal("http://10.20.1.5:8000/v1")).isEmpty();
        assertThat(allowlist.refusal("http://0.0.0.0:8000/v1")).get().asString()
                .isEqualTo("endpoint host 0.0.0.0 resolves to 0.0.0.0, the unspecified address, which is never allowed");
        assertThat(allowlist.refusal("http://[::]:8000/v1")).get().asString().contains("the unspecified address");
        assertThat(allowlist.refusal("http://[::ffff:0.0.0.0]:8000/v1")).get().asString().contains("the unspecified address");
    }

    @Test
    void namesAreResolvedAndEveryAddressMustBeInside() {
        ModelEndpointAllowlist allowlist = allowlist("10.0.0.0/8");

        assertThat(allowlist.refusal("https://vllm.internal/v1")).isEmpty();
        assertThat(allowlist.refusal("https://public.example/v1")).get().asString()
                .contains("resolves to 203.0.113.9, which is outside the allowed networks [10.0.0.0/8]");
        assertThat(allowlist.refusal("https://nowhere.example/v1")).contains("endpoint host nowhere.example does not resolve");
        assertThat(lookedUp).containsExactly("vllm.internal", "public.example", "nowhere.example");
    }

    @Test
    void numericFormsOtherParsersReadAsIpv4AndZoneIdsAreRefused() {
        ModelEndpointAllowlist allowlist = allowlist("0.0.0.0/0", "::/0");

        for (String host : List.of("2130706433", "0x7f000001", "0177.0.0.1", "10.0.0.01")) {
            assertThat(allowlist.refusal("http://" + host + "/v1")).as(host).get().asString()
                    .contains("is a numeric form that is not a dotted-quad IPv4 address");
        }
        for (String host : List.of("127.1", "0x7f.0.0.1", "1.2.3.4.5")) {
            assertThat(allowlist.refusal("http://" + host + "/v1")).as("java.net.URI finds no host in %s", host).isPresent();
        }
        assertThat(allowlist.refusal("http://[fe80::1%25eth0]/v1")).get().asString()
                .contains("is not an IPv6 address (zone ids are not accepted)");
        assertThat(lookedUp).isEmpty();
    }

    @Test
    void anEmptyListAllowsNothingAndSaysSo() {
        assertThat(allowlist().refusal("http://127.0.0.1/v1")).get().asString()
                .endsWith("outside the allowed networks (none: set egress_allowed_cidrs)");
    }

    @Test
    void storedEntriesTheParserRefusesAllowNothingAndAreNamed() {
        ModelEndpointAllowlist allowlist = allowlist("10.1.2.3", "192.168.1.1/16", "127.0.0.0/8");

        assertThat(allowlist.refusal("http://127.0.0.1/v1")).isEmpty();
        assertThat(allowlist.refusal("http://10.1.2.3/v1")).get().asString()
                .contains("outside the allowed networks [127.0.0.0/8]; ignored, set egress_allowed_cidrs again: "
                        + "CIDR '10.1.2.3' is not valid: it needs a prefix length")
                .contains("CIDR '192.168.1.1/16' is not valid: it has host bits set; the network is 192.168.0.0/16");
    }

    @Test
    void whatAnAdminSubmitsIsValidatedStrictly() {
        assertThat(ModelEndpointAllowlist.parseAll(List.of("10.0.0.0/8", " ", "::ffff:10.0.0.0/104"))).hasSize(2);
        assertThatThrownBy(() -> ModelEndpointAllowlist.parseAll(List.of("10.0.0.0/8", "10.0.0.0/33")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("CIDR '10.0.0.0/33' is not valid: the prefix length must be a number from 0 to 32");
        assertThatThrownBy(() -> ModelEndpointAllowlist.parseAll(List.of("localhost/8")))
                .hasMessageContaining("'localhost' is not an IPv4 (a.b.c.d) or IPv6 address");
    }
}
