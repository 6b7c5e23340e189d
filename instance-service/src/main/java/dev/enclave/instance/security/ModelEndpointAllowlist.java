package dev.enclave.instance.security;

import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * "Connection IP addresses within your network": the CIDRs a model endpoint may resolve to.
 * A model is refused at create/update when any address its host resolves to is outside (the
 * adapter checks again when it connects, and connects to the address it checked).
 */
public final class ModelEndpointAllowlist {

    /** Only canonical literals: decimal, octal or hex IPv4 forms are classic ways around a check. */
    private static final Pattern DOTTED_QUAD = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern NUMERIC_HOST = Pattern.compile("[0-9a-fA-FxX.]+");

    public record Cidr(byte[] network, int prefix, String text) {

        public static Cidr parse(String text) {
            String trimmed = text.trim();
            int slash = trimmed.indexOf('/');
            String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
            try {
                if (!(DOTTED_QUAD.matcher(address).matches() || address.contains(":"))) {
                    throw new IllegalArgumentException();
                }
                byte[] bytes = normalise(InetAddress.getByName(address));
                int prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(trimmed.substring(slash + 1));
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException();
                }
                return new Cidr(bytes, prefix, trimmed);
            } catch (UnknownHostException | IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + text + "' is not a CIDR such as 10.0.0.0/8 or fd00::/8");
            }
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            BigInteger mask = prefix == 0 ? BigInteger.ZERO
                    : BigInteger.ONE.shiftLeft(prefix).subtract(BigInteger.ONE).shiftLeft(address.length * 8 - prefix);
            return new BigInteger(1, address).and(mask).equals(new BigInteger(1, network).and(mask));
        }
    }

    /** How a host name becomes addresses; tests replace it. */
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final List<Cidr> allowed;
    private final Resolver resolver;

    public ModelEndpointAllowlist(List<Cidr> allowed, Resolver resolver) {
        this.allowed = List.copyOf(allowed);
        this.resolver = resolver;
    }

    public static List<Cidr> parseAll(List<String> cidrs) {
        return cidrs.stream().filter(s -> !s.isBlank()).map(Cidr::parse).toList();
    }

    /** @return why the endpoint is refused, or empty when every address it resolves to is allowed */
    public Optional<String> refusal(String endpoint) {
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            return Optional.of("endpoint is not a valid URL");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            return Optional.of("endpoint must be an absolute http or https URL");
        }
        String host = uri.getHost();
        boolean ipv6Literal = host.startsWith("[");
        if (!ipv6Literal && NUMERIC_HOST.matcher(host).matches() && !DOTTED_QUAD.matcher(host).matches()) {
            return Optional.of("endpoint host " + host + " is not a canonical IP address or host name");
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(ipv6Literal ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            return Optional.of("endpoint host " + host + " does not resolve");
        }
        for (InetAddress address : addresses) {
            byte[] bytes = normalise(address);
            if (allowed.stream().noneMatch(c -> c.contains(bytes))) {
                return Optional.of("endpoint host " + host + " resolves to " + address.getHostAddress()
                        + ", which is outside the allowed networks " + describe());
            }
        }
        return Optional.empty();
    }

    private String describe() {
        return allowed.isEmpty() ? "(none: set egress_allowed_cidrs)"
                : allowed.stream().map(Cidr::text).toList().toString();
    }

    /** IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address it maps. */
    static byte[] normalise(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address && bytes.length == 16 && isMapped(bytes)) {
            return Arrays.copyOfRange(bytes, 12, 16);
        }
        return bytes;
    }

    private static boolean isMapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }
}
