package dev.enclave.deploy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Kubernetes NetworkPolicy semantics (networking.k8s.io/v1) evaluated as data: which endpoint may
 * open a connection to which endpoint on which port.
 *
 * <ul>
 *   <li>A pod is isolated for ingress (egress) when some policy of its namespace selects it and has
 *       Ingress (Egress) among its policy types; {@code policyTypes} defaults to Ingress, plus Egress
 *       when the policy has egress rules. Then only what the union of those policies' rules allows
 *       gets in (out); a pod no policy isolates is open in that direction.</li>
 *   <li>A connection needs both the source's egress and the destination's ingress to allow it.</li>
 *   <li>A peer with only {@code podSelector} means pods of the policy's namespace; with only
 *       {@code namespaceSelector}, every pod of the matching namespaces; with both, the matching
 *       pods of the matching namespaces. Empty {@code from}/{@code to}: everything; empty
 *       {@code ports}: every port.</li>
 *   <li>{@code ipBlock} peers match only endpoints outside the cluster (pod addresses are not
 *       modelled: the API documents ipBlock for cluster-external addresses, and what a CNI does with
 *       pod IPs in an ipBlock varies).</li>
 *   <li>A port matches by protocol (TCP when unset) and by number, by name (the destination pod's
 *       container port of that name), or by range ({@code endPort}).</li>
 * </ul>
 */
final class NetworkPolicyEvaluator {

    /** A container port of a pod, or a port an external endpoint listens on. */
    record Port(int number, String protocol, String name) {
        Port {
            Objects.requireNonNull(protocol);
        }

        static Port tcp(int number) {
            return new Port(number, "TCP", null);
        }

        static Port udp(int number) {
            return new Port(number, "UDP", null);
        }

        @Override
        public String toString() {
            return number + "/" + protocol;
        }
    }

    /**
     * A pod (namespace and labels; {@code ip} null) or an address outside the cluster (namespace and
     * labels empty), with the ports it listens on.
     */
    record Endpoint(String name, String namespace, Map<String, String> labels, String ip, List<Port> ports) {

        static Endpoint pod(String name, String namespace, Map<String, String> labels, List<Port> ports) {
            return new Endpoint(name, namespace, Map.copyOf(labels), null, List.copyOf(ports));
        }

        static Endpoint external(String name, String ip, List<Port> ports) {
            return new Endpoint(name, null, Map.of(), ip, List.copyOf(ports));
        }

        boolean isPod() {
            return ip == null;
        }

        /** Namespaces carry their name as the label kubernetes.io/metadata.name, as the API server sets it. */
        Map<String, String> namespaceLabels() {
            return Map.of("kubernetes.io/metadata.name", namespace);
        }
    }

    private final List<NetworkPolicy> policies;

    NetworkPolicyEvaluator(List<NetworkPolicy> policies) {
        this.policies = List.copyOf(policies);
    }

    /** Every "source -> destination port/protocol" that the policies allow among these endpoints. */
    Set<String> allowedConnections(List<Endpoint> sources, List<Endpoint> destinations, Set<String> governedNamespaces) {
        Set<String> allowed = new TreeSet<>();
        for (Endpoint from : sources) {
            for (Endpoint to : destinations) {
                if (from.equals(to)) {
                    continue;
                }
                boolean governed = (from.isPod() && governedNamespaces.contains(from.namespace()))
                        || (to.isPod() && governedNamespaces.contains(to.namespace()));
                if (!governed) {
                    continue; // traffic between two endpoints these policies do not govern
                }
                for (Port port : to.ports()) {
                    if (allows(from, to, port)) {
                        allowed.add(connection(from, to, port));
                    }
                }
            }
        }
        return allowed;
    }

    static String connection(Endpoint from, Endpoint to, Port port) {
        return from.name() + " -> " + to.name() + " " + port;
    }

    boolean allows(Endpoint from, Endpoint to, Port port) {
        return egressAllows(from, to, port) && ingressAllows(from, to, port);
    }

    private boolean egressAllows(Endpoint from, Endpoint to, Port port) {
        if (!from.isPod()) {
            return true;
        }
        List<NetworkPolicy> selecting = selecting(from, "Egress");
        if (selecting.isEmpty()) {
            return true;
        }
        for (NetworkPolicy policy : selecting) {
            for (var rule : nullToEmpty(policy.getSpec().getEgress())) {
                if (peersMatch(rule.getTo(), policy, to) && portsMatch(rule.getPorts(), to, port)) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean ingressAllows(Endpoint from, Endpoint to, Port port) {
        if (!to.isPod()) {
            return true;
        }
        List<NetworkPolicy> selecting = selecting(to, "Ingress");
        if (selecting.isEmpty()) {
            return true;
        }
        for (NetworkPolicy policy : selecting) {
            for (var rule : nullToEmpty(policy.getSpec().getIngress())) {
                if (peersMatch(rule.getFrom(), policy, from) && portsMatch(rule.getPorts(), to, port)) {
                    return true;
                }
            }
        }
        return false;
    }

    private List<NetworkPolicy> selecting(Endpoint pod, String type) {
        List<NetworkPolicy> result = new ArrayList<>();
        for (NetworkPolicy policy : policies) {
            if (Objects.equals(policy.getMetadata().getNamespace(), pod.namespace())
                    && policyTypes(policy).contains(type)
                    && selects(policy.getSpec().getPodSelector(), pod.labels())) {
                result.add(policy);
            }
        }
        return result;
    }

    static Set<String> policyTypes(NetworkPolicy policy) {
        List<String> declared = policy.getSpec().getPolicyTypes();
        if (declared != null && !declared.isEmpty()) {
            return Set.copyOf(declared);
        }
        boolean egress = policy.getSpec().getEgress() != null && !policy.getSpec().getEgress().isEmpty();
        return egress ? Set.of("Ingress", "Egress") : Set.of("Ingress");
    }

    private static boolean peersMatch(List<NetworkPolicyPeer> peers, NetworkPolicy policy, Endpoint other) {
        if (peers == null || peers.isEmpty()) {
            return true;
        }
        for (NetworkPolicyPeer peer : peers) {
            if (peer.getIpBlock() != null) {
                if (!other.isPod() && inBlock(other.ip(), peer.getIpBlock())) {
                    return true;
                }
                continue;
            }
            if (!other.isPod()) {
                continue;
            }
            boolean namespaceOk = peer.getNamespaceSelector() == null
                    ? Objects.equals(other.namespace(), policy.getMetadata().getNamespace())
                    : selects(peer.getNamespaceSelector(), other.namespaceLabels());
            boolean podOk = peer.getPodSelector() == null || selects(peer.getPodSelector(), other.labels());
            if (namespaceOk && podOk) {
                return true;
            }
        }
        return false;
    }

    private static boolean portsMatch(List<NetworkPolicyPort> ports, Endpoint destination, Port port) {
        if (ports == null || ports.isEmpty()) {
            return true;
        }
        for (NetworkPolicyPort rule : ports) {
            String protocol = rule.getProtocol() == null ? "TCP" : rule.getProtocol();
            if (!protocol.equals(port.protocol())) {
                continue;
            }
            IntOrString value = rule.getPort();
            if (value == null) {
                return true; // every port of the protocol
            }
            if (value.getIntVal() != null) {
                int low = value.getIntVal();
                int high = rule.getEndPort() == null ? low : rule.getEndPort();
                if (port.number() >= low && port.number() <= high) {
                    return true;
                }
            } else if (destination.isPod() && value.getStrVal().equals(port.name())) {
                return true;
            }
        }
        return false;
    }

    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> entry : selector.getMatchLabels().entrySet()) {
                if (!entry.getValue().equals(labels.get(entry.getKey()))) {
                    return false;
                }
            }
        }
        for (LabelSelectorRequirement requirement : nullToEmpty(selector.getMatchExpressions())) {
            String value = labels.get(requirement.getKey());
            List<String> values = nullToEmpty(requirement.getValues());
            boolean ok = switch (requirement.getOperator()) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> throw new IllegalArgumentException("Unknown selector operator " + requirement.getOperator());
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean inBlock(String ip, IPBlock block) {
        if (!inCidr(ip, block.getCidr())) {
            return false;
        }
        for (String except : nullToEmpty(block.getExcept())) {
            if (inCidr(ip, except)) {
                return false;
            }
        }
        return true;
    }

    static boolean inCidr(String ip, String cidr) {
        try {
            String[] parts = cidr.split("/");
            byte[] network = InetAddress.getByName(parts[0]).getAddress();
            byte[] address = InetAddress.getByName(ip).getAddress();
            if (network.length != address.length) {
                return false;
            }
            int bits = Integer.parseInt(parts[1]);
            int total = network.length * 8;
            BigInteger mask = BigInteger.ONE.shiftLeft(total).subtract(BigInteger.ONE)
                    .xor(BigInteger.ONE.shiftLeft(total - bits).subtract(BigInteger.ONE));
            return new BigInteger(1, network).and(mask).equals(new BigInteger(1, address).and(mask));
        } catch (UnknownHostException | RuntimeException e) {
            throw new IllegalArgumentException("Not an address in CIDR form: " + cidr + " / " + ip, e);
        }
    }

    /** The first host address of a CIDR (the network address plus one), as a sample inside it. */
    static String firstHost(String cidr) {
        try {
            String[] parts = cidr.split("/");
            byte[] network = InetAddress.getByName(parts[0]).getAddress();
            BigInteger value = new BigInteger(1, network).add(BigInteger.ONE);
            byte[] raw = value.toByteArray();
            byte[] bytes = new byte[network.length];
            System.arraycopy(raw, Math.max(0, raw.length - bytes.length), bytes,
                    Math.max(0, bytes.length - raw.length), Math.min(raw.length, bytes.length));
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(cidr, e);
        }
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
