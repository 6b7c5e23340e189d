package dev.enclave.adapter.egress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * The networks model endpoints may be reached in ({@code enclave.adapter.egress.allowed-cidrs});
 * the same matching decides which callers are trusted ({@code enclave.adapter.ingress.trusted-cidrs}).
 * An address is allowed when it lies inside one of them; an empty list allows nothing.
 * IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are matched as the IPv4 address they carry,
 * since that is where a connection to them goes (or where it comes from).
 */
public final class ModelEndpointAllowlist {

    /** One network, e.g. {@code 10.0.0.0/8} or {@code fc00::/7}. */
    public record Cidr(byte[] network, int prefixLength, String text) {

        /**
         * Parses {@code address/prefix}; an IPv4-mapped IPv6 network of prefix 96 or more becomes the
         * IPv4 network it covers.
         *
         * @throws IllegalArgumentException naming the entry and what is wrong with it
         */
        public static Cidr of(String entry) {
            String text = entry.strip();
            int slash = text.indexOf('/');
            if (slash < 0) {
                throw invalid(text, "it needs a prefix length, e.g. 10.0.0.0/8 or 10.1.2.3/32");
            }
            String addressText = text.substring(0, slash);
            String prefixText = text.substring(slash + 1);
            InetAddress address = addressText.contains(":") ? IpLiteral.ipv6(addressText) : IpLiteral.ipv4(addressText);
            if (address == null) {
                throw invalid(text, "'" + addressText + "' is not an IPv4 (a.b.c.d) or IPv6 address");
            }
            boolean mapped = addressText.contains(":") && address instanceof Inet4Address;
            int max = addressText.contains(":") ? 128 : 32;
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
                        + render(mask(network, prefix)) + "/" + prefix);
            }
            return new Cidr(network, prefix, text);
        }

        boolean contains(byte[] address) {
            return address.length == network.length && Arrays.equals(mask(address, prefixLength), network);
        }

        @Override
        public String toString() {
            return text;
        }

        private static IllegalArgumentException invalid(String text, String why) {
            return new IllegalArgumentException("CIDR '" + text + "' is not valid: " + why);
        }
    }

    private final List<Cidr> cidrs;

    public ModelEndpointAllowlist(List<Cidr> cidrs) {
        this.cidrs = List.copyOf(cidrs);
    }

    public boolean allows(InetAddress address) {
        byte[] bytes = normalise(address).getAddress();
        return cidrs.stream().anyMatch(cidr -> cidr.contains(bytes));
    }

    public boolean isEmpty() {
        return cidrs.isEmpty();
    }

    /** {@code ::ffff:a.b.c.d} becomes {@code a.b.c.d}; every other address stays as it is. */
    public static InetAddress normalise(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] bytes = address.getAddress();
            boolean mapped = bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = bytes[i] == 0;
            }
            if (mapped) {
                try {
                    return InetAddress.getByAddress(Arrays.copyOfRange(bytes, 12, 16));
                } catch (UnknownHostException e) {
                    throw new IllegalStateException("4 bytes are always an address", e);
                }
            }
        }
        return address;
    }

    private static byte[] mask(byte[] address, int prefixLength) {
        byte[] masked = address.clone();
        for (int i = 0; i < masked.length; i++) {
            int bits = Math.max(0, Math.min(8, prefixLength - 8 * i));
            masked[i] &= (byte) (0xff << (8 - bits));
        }
        return masked;
    }

    private static String render(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }
}
