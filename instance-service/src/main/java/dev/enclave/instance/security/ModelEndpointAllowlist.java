package dev.enclave.instance.security;

import dev.enclave.support.net.Cidr;
import dev.enclave.support.net.IpLiteral;
import dev.enclave.support.net.NetworkAllowlist;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * "Connection IP addresses within your network": the CIDRs a model endpoint may resolve to.
 * A model is refused at create/update when any address its host resolves to is outside (the
 * adapter checks again when it connects, and connects to the address it checked). Addresses and
 * CIDRs are read by the parser model-adapter uses ({@link IpLiteral}, {@link Cidr}), so both
 * checks agree on what an address is: canonical literals only, IPv4-mapped IPv6 as its IPv4 address.
 */
public final class ModelEndpointAllowlist {

    /** How a host name becomes addresses; tests replace it. IP literals never reach it. */
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final NetworkAllowlist allowed;
    /** Stored entries the parser refuses (saved before it was strict): they allow nothing, and refusals name them. */
    private final List<String> unusable;
    private final Resolver resolver;

    /** @param entries the stored {@code egress_allowed_cidrs} */
    public ModelEndpointAllowlist(List<String> entries, Resolver resolver) {
        List<Cidr> cidrs = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (String entry : entries) {
            if (entry.isBlank()) {
                continue;
            }
            try {
                cidrs.add(Cidr.of(entry));
            } catch (IllegalArgumentException e) {
                refused.add(e.getMessage());
            }
        }
        this.allowed = new NetworkAllowlist(cidrs);
        this.unusable = List.copyOf(refused);
        this.resolver = resolver;
    }

    /** Validates entries an admin submits. @throws IllegalArgumentException naming the first bad one and why */
    public static List<Cidr> parseAll(List<String> cidrs) {
        return NetworkAllowlist.parse(cidrs).cidrs();
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
        Optional<InetAddress> literal;
        try {
            literal = IpLiteral.ofUrlHost(host);
        } catch (IllegalArgumentException e) {
            return Optional.of("endpoint " + e.getMessage());
        }
        InetAddress[] addresses;
        if (literal.isPresent()) {
            addresses = new InetAddress[]{literal.get()};
        } else {
            try {
                addresses = resolver.resolve(host);
            } catch (UnknownHostException e) {
                return Optional.of("endpoint host " + host + " does not resolve");
            }
        }
        for (InetAddress address : addresses) {
            if (IpLiteral.unmapped(address).isAnyLocalAddress()) {
                // 0.0.0.0 and :: connect to the machine itself, whatever the allowlist says (as model-adapter refuses them)
                return Optional.of("endpoint host " + host + " resolves to " + IpLiteral.unmapped(address).getHostAddress()
                        + ", the unspecified address, which is never allowed");
            }
            if (!allowed.allows(address)) {
                return Optional.of("endpoint host " + host + " resolves to " + IpLiteral.unmapped(address).getHostAddress()
                        + ", which is outside the allowed networks " + describe());
            }
        }
        return Optional.empty();
    }

    private String describe() {
        String networks = allowed.isEmpty() ? "(none: set egress_allowed_cidrs)" : allowed.toString();
        return unusable.isEmpty() ? networks
                : networks + "; ignored, set egress_allowed_cidrs again: " + String.join("; ", unusable);
    }
}
