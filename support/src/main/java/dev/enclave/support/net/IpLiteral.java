package dev.enclave.support.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Strict parsing of IP address literals, without ever asking DNS. Only the canonical forms are
 * addresses here: four decimal octets for IPv4 (no leading zeros, no shortened, octal, hex or
 * single-number forms, which C resolvers and curl would read differently), and RFC 4291 text for
 * IPv6 without a zone id. IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are the IPv4
 * address they carry, since that is where a connection to them goes.
 *
 * <p>Both model-endpoint allowlists (instance-service when a model is saved, model-adapter when it
 * connects) and model-adapter's trusted-caller check read addresses through this class, so that
 * they agree on what an address is.
 */
public final class IpLiteral {

    private static final Pattern OCTET = Pattern.compile("25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d");
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9a-fA-F]{1,4}");
    /** A last host label that URL parsers (WHATWG), curl and inet_aton read as (part of) an IPv4 number. */
    private static final Pattern NUMBER = Pattern.compile("\\d+|0x[0-9a-f]*");

    private IpLiteral() {
    }

    /** @return the address, or null when {@code text} is not a canonical dotted-quad IPv4 address */
    public static InetAddress ipv4(String text) {
        byte[] bytes = ipv4Bytes(text);
        return bytes == null ? null : address(bytes);
    }

    /** @return the address (IPv4-mapped ones come back as IPv4), or null when {@code text} is not IPv6 text */
    public static InetAddress ipv6(String text) {
        byte[] bytes = ipv6Bytes(text);
        return bytes == null ? null : address(bytes);
    }

    /** @return the address of an IPv4 or IPv6 literal (no brackets, no zone id), or null when {@code text} is neither */
    public static InetAddress parse(String text) {
        return text.indexOf(':') >= 0 ? ipv6(text) : ipv4(text);
    }

    /**
     * Reads a URL's host the way URL parsers and resolvers would, without DNS.
     *
     * @param host a URL's host: a bracketed IPv6 literal, an IPv4 literal or a DNS name (a trailing
     *             dot allowed)
     * @return the address when the host is an IP literal; empty when it is a name, left for the
     *         caller to resolve (and to check as a name)
     * @throws IllegalArgumentException when the host is an IP literal in a form that is not
     *                                  canonical: a numeric host that is not a dotted quad
     *                                  ({@code 2130706433}, {@code 0x7f.1}, {@code 0177.0.0.1},
     *                                  {@code 127.1}), which other parsers would read as some IPv4
     *                                  address, or a bracketed literal that is not IPv6 or has a zone id
     */
    public static Optional<InetAddress> ofUrlHost(String host) {
        if (host.startsWith("[") && host.endsWith("]")) {
            InetAddress address = ipv6(host.substring(1, host.length() - 1));
            if (address == null) {
                throw new IllegalArgumentException("host " + host + " is not an IPv6 address (zone ids are not accepted)");
            }
            return Optional.of(address);
        }
        String name = host.toLowerCase(Locale.ROOT);
        name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        String lastLabel = name.substring(name.lastIndexOf('.') + 1);
        if (!NUMBER.matcher(lastLabel).matches()) {
            return Optional.empty();
        }
        InetAddress address = ipv4(name);
        if (address == null) {
            throw new IllegalArgumentException("host '" + host + "' is a numeric form that is not a dotted-quad IPv4 "
                    + "address; write IPv4 addresses as four decimal octets (a.b.c.d)");
        }
        return Optional.of(address);
    }

    /** {@code ::ffff:a.b.c.d} becomes {@code a.b.c.d}; every other address stays as it is. */
    public static InetAddress unmapped(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] bytes = address.getAddress();
            boolean mapped = bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = bytes[i] == 0;
            }
            if (mapped) {
                return address(Arrays.copyOfRange(bytes, 12, 16));
            }
        }
        return address;
    }

    private static byte[] ipv4Bytes(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!OCTET.matcher(parts[i]).matches()) {
                return null;
            }
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        return bytes;
    }

    private static byte[] ipv6Bytes(String text) {
        int lastColon = text.lastIndexOf(':');
        if (text.isEmpty() || lastColon < 0 || text.indexOf('%') >= 0) {
            return null;
        }
        String hex = text;
        byte[] embedded = null;
        if (text.indexOf('.', lastColon) >= 0) {
            // a trailing dotted quad (::ffff:10.0.0.1) stands for the last two groups
            embedded = ipv4Bytes(text.substring(lastColon + 1));
            if (embedded == null) {
                return null;
            }
            hex = text.substring(0, lastColon + 1) + "0:0";
        }
        String[] halves = hex.split("::", -1);
        if (halves.length > 2) {
            return null;
        }
        List<Integer> head = groups(halves[0]);
        List<Integer> tail = halves.length == 2 ? groups(halves[1]) : List.of();
        if (head == null || tail == null) {
            return null;
        }
        int count = head.size() + tail.size();
        if (halves.length == 1 ? count != 8 : count > 7) {
            return null;
        }
        int[] all = new int[8];
        for (int i = 0; i < head.size(); i++) {
            all[i] = head.get(i);
        }
        for (int i = 0; i < tail.size(); i++) {
            all[8 - tail.size() + i] = tail.get(i);
        }
        byte[] bytes = new byte[16];
        for (int i = 0; i < 8; i++) {
            bytes[2 * i] = (byte) (all[i] >> 8);
            bytes[2 * i + 1] = (byte) all[i];
        }
        if (embedded != null) {
            System.arraycopy(embedded, 0, bytes, 12, 4);
        }
        return bytes;
    }

    private static List<Integer> groups(String part) {
        List<Integer> groups = new ArrayList<>();
        if (part.isEmpty()) {
            return groups;
        }
        for (String group : part.split(":", -1)) {
            if (!HEX_GROUP.matcher(group).matches()) {
                return null;
            }
            groups.add(Integer.parseInt(group, 16));
        }
        return groups;
    }

    static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }
}
