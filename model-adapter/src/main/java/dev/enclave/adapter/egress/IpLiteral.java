package dev.enclave.adapter.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Strict parsing of IP address literals, without ever asking DNS. Only the canonical forms are
 * addresses here: four decimal octets for IPv4 (no leading zeros, no shortened, octal, hex or
 * single-number forms, which C resolvers and curl would read differently), and RFC 4291 text for
 * IPv6 without a zone id.
 */
public final class IpLiteral {

    private static final Pattern OCTET = Pattern.compile("25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d");
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9a-fA-F]{1,4}");

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

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }
}
