package dev.enclave.support.net;

import java.net.InetAddress;
import java.util.List;

/**
 * A list of networks an address must lie in: model-adapter's egress networks
 * ({@code enclave.adapter.egress.allowed-cidrs}) and trusted callers
 * ({@code enclave.adapter.ingress.trusted-cidrs}), instance-service's {@code egress_allowed_cidrs}.
 * An address is allowed when it lies inside one of them; an empty list allows nothing.
 * IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are matched as the IPv4 address they carry,
 * since that is where a connection to them goes (or where it comes from).
 */
public final class NetworkAllowlist {

    private final List<Cidr> cidrs;

    public NetworkAllowlist(List<Cidr> cidrs) {
        this.cidrs = List.copyOf(cidrs);
    }

    /** @throws IllegalArgumentException naming the first entry that is not a valid CIDR; blank entries are skipped */
    public static NetworkAllowlist parse(List<String> entries) {
        return new NetworkAllowlist(entries.stream().filter(entry -> !entry.isBlank()).map(Cidr::of).toList());
    }

    public boolean allows(InetAddress address) {
        return cidrs.stream().anyMatch(cidr -> cidr.contains(address));
    }

    public boolean isEmpty() {
        return cidrs.isEmpty();
    }

    public List<Cidr> cidrs() {
        return cidrs;
    }

    /** The entries as written, e.g. {@code [10.0.0.0/8, fc00::/7]}. */
    @Override
    public String toString() {
        return cidrs.toString();
    }
}
