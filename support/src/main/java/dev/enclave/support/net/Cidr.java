package dev.enclave.support.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * One network, e.g. {@code 10.0.0.0/8} or {@code fc00::/7}, parsed strictly: the address is an
 * {@link IpLiteral} (canonical forms only, never looked up in DNS), the prefix length is required
 * and the address has no bits set past it. An IPv4-mapped IPv6 network of prefix 96 or more is the
 * IPv4 network it covers.
 *
 * @param network      the network's address bytes (4 or 16)
 * @param prefixLength its prefix length
 * @param text         the entry as written (stripped), for messages
 */
public record Cidr(byte[] network, int prefixLength, String text) {

    /** @throws IllegalArgumentException naming the entry and what is wrong with it */
    public static Cidr of(String entry) {
        String text = entry.strip();
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw invalid(text, "it needs a prefix length, e.g. 10.0.0.0/8 or 10.1.2.3/32");
        }
        String addressText = text.substring(0, slash);
        String prefixText = text.substring(slash + 1);
        boolean ipv6 = addressText.contains(":");
        InetAddress address = IpLiteral.parse(addressText);
        if (address == null) {
            throw invalid(text, "'" + addressText + "' is not an IPv4 (a.b.c.d) or IPv6 address");
        }
        boolean mapped = ipv6 && address instanceof Inet4Address;
        int max = ipv6 ? 128 : 32;
        if (!prefixText.matches("\\d{1,3}") || Integer.parseInt(prefixText) > max) {
            throw invalid(text, "the prefix length must be a number from 0 to " + max);
        }
        int prefix = Integer.parseInt(prefixText);
        byte[] network = address.getAddress();
        if (mapped) {
            if (prefix < 96) {
                throw invalid(text, "an IPv4-mapped network needs a prefix of at least 96");
            }
            prefix -= 96;
        }
        if (!Arrays.equals(network, mask(network, prefix))) {
            throw invalid(text, "it has host bits set; the network is "
                    + IpLiteral.address(mask(network, prefix)).getHostAddress() + "/" + prefix);
        }
        return new Cidr(network, prefix, text);
    }

    /** Whether the address lies in this network; an IPv4-mapped address counts as its IPv4 address. */
    public boolean contains(InetAddress address) {
        byte[] bytes = IpLiteral.unmapped(address).getAddress();
        return bytes.length == network.length && Arrays.equals(mask(bytes, prefixLength), network);
    }

    @Override
    public byte[] network() {
        return network.clone();
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr cidr && prefixLength == cidr.prefixLength && Arrays.equals(network, cidr.network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    private static byte[] mask(byte[] address, int prefixLength) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int bits = Math.max(0, Math.min(8, prefixLength - 8 * i));
            masked[i] &= (byte) (0xff << (8 - bits));
        }
        return masked;
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("CIDR '" + text + "' is not valid: " + why);
    }
}
