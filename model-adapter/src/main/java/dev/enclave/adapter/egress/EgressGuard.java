package dev.enclave.adapter.egress;

import dev.enclave.adapter.config.AdapterConfig;
import dev.enclave.adapter.provider.ModelCallException;
import dev.enclave.support.net.IpLiteral;
import dev.enclave.support.net.NetworkAllowlist;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Decides where a model call may connect: resolves the endpoint's host once, requires every
 * address it resolves to to lie inside the allowlist, and hands back the one address the
 * connection must go to, so a second DNS answer can never redirect it.
 */
@ApplicationScoped
public class EgressGuard {

    static final String SETTING = "enclave.adapter.egress.allowed-cidrs";
    private static final Logger LOG = Logger.getLogger(EgressGuard.class);

    private final NetworkAllowlist allowlist;
    private final HostResolver resolver;

    public EgressGuard(AdapterConfig config, HostResolver resolver) {
        this.allowlist = new NetworkAllowlist(config.egress().allowedCidrs().orElse(List.of()));
        this.resolver = resolver;
    }

    /**
     * @return the checked address to connect to
     * @throws ModelCallException {@code EGRESS_DENIED} naming the host and the offending address,
     *                            or {@code UNREACHABLE} when the name does not resolve
     */
    public InetAddress admit(ModelEndpoint endpoint) {
        List<InetAddress> addresses;
        if (endpoint.literal() != null) {
            addresses = List.of(endpoint.literal());
        } else {
            try {
                addresses = resolver.resolve(endpoint.host());
            } catch (UnknownHostException e) {
                throw new ModelCallException(ModelCallException.Kind.UNREACHABLE, null,
                        "model endpoint host " + endpoint.host() + " cannot be resolved");
            }
            if (addresses.isEmpty()) {
                throw new ModelCallException(ModelCallException.Kind.UNREACHABLE, null,
                        "model endpoint host " + endpoint.host() + " resolves to no address");
            }
        }
        for (InetAddress address : addresses) {
            InetAddress checked = IpLiteral.unmapped(address);
            String refusal = null;
            if (checked.isAnyLocalAddress()) {
                // 0.0.0.0 and :: connect to this machine, whatever the allowlist says about them
                refusal = ", the unspecified address, which is never allowed";
            } else if (!allowlist.allows(checked)) {
                refusal = ", which is outside the allowed networks (" + SETTING + ")"
                        + (allowlist.isEmpty() ? "; none are configured" : "");
            }
            if (refusal != null) {
                String message = "model endpoint host " + endpoint.host() + " resolves to " + checked.getHostAddress()
                        + refusal;
                LOG.warnf("Refused egress: %s", message);
                throw new ModelCallException(ModelCallException.Kind.EGRESS_DENIED, null, message);
            }
        }
        return IpLiteral.unmapped(addresses.get(0));
    }
}
