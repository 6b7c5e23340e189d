package dev.enclave.deploy;

import static dev.enclave.deploy.NetworkPolicyEvaluator.Endpoint;
import static dev.enclave.deploy.NetworkPolicyEvaluator.Port;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The evaluator's reading of NetworkPolicy semantics, on small hand-written policies. */
class NetworkPolicyEvaluatorTest {

    private static final KubernetesSerialization YAML = new KubernetesSerialization();

    private final Endpoint web = Endpoint.pod("web", "app", Map.of("role", "web"),
            List.of(new Port(8080, "TCP", "http"), Port.tcp(9999)));
    private final Endpoint db = Endpoint.pod("db", "app", Map.of("role", "db"), List.of(new Port(5432, "TCP", "pg")));
    private final Endpoint otherNamespaceWeb = Endpoint.pod("other-web", "other", Map.of("role", "web"), List.of());
    private final Endpoint monitoring = Endpoint.pod("prometheus", "monitoring", Map.of("role", "prometheus"), List.of());
    private final Endpoint outside = Endpoint.external("outside", "10.1.2.3", List.of(Port.tcp(443)));

    @Test
    void withoutPoliciesEverythingIsAllowed() {
        NetworkPolicyEvaluator evaluator = evaluator();
        assertThat(evaluator.allows(web, db, db.ports().get(0))).isTrue();
        assertThat(evaluator.allows(otherNamespaceWeb, db, db.ports().get(0))).isTrue();
    }

    @Test
    void aPolicyWithoutPolicyTypesIsolatesIngressOnlyUnlessItHasEgressRules() {
        NetworkPolicyEvaluator ingressOnly = evaluator("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny, namespace: app}
                spec:
                  podSelector: {}
                """);
        assertThat(ingressOnly.allows(web, db, db.ports().get(0))).isFalse();
        assertThat(ingressOnly.allows(web, outside, outside.ports().get(0))).isTrue();
        assertThat(NetworkPolicyEvaluator.policyTypes(policy("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: e, namespace: app}
                spec:
                  podSelector: {}
                  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]
                """))).containsExactlyInAnyOrder("Ingress", "Egress");
    }

    @Test
    void aPodSelectorAloneMeansTheSameNamespaceAndBothSelectorsInOnePeerMustBothMatch() {
        NetworkPolicyEvaluator evaluator = evaluator("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: db, namespace: app}
                spec:
                  podSelector: {matchLabels: {role: db}}
                  policyTypes: [Ingress]
                  ingress:
                    - from:
                        - podSelector: {matchLabels: {role: web}}
                        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
                          podSelector: {matchLabels: {role: prometheus}}
                      ports: [{port: pg}]
                """);
        Port pg = db.ports().get(0);
        assertThat(evaluator.allows(web, db, pg)).isTrue();
        assertThat(evaluator.allows(otherNamespaceWeb, db, pg)).as("same labels, other namespace").isFalse();
        assertThat(evaluator.allows(monitoring, db, pg)).isTrue();
        Endpoint otherInMonitoring = Endpoint.pod("grafana", "monitoring", Map.of("role", "grafana"), List.of());
        assertThat(evaluator.allows(otherInMonitoring, db, pg)).as("namespace matches, pod does not").isFalse();
    }

    @Test
    void portsMatchByNumberNameProtocolAndRange() {
        NetworkPolicyEvaluator evaluator = evaluator("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web, namespace: app}
                spec:
                  podSelector: {matchLabels: {role: web}}
                  policyTypes: [Ingress]
                  ingress:
                    - ports: [{port: http}, {port: 9000, endPort: 9100}, {port: 53, protocol: UDP}]
                """);
        assertThat(evaluator.allows(db, web, new Port(8080, "TCP", "http"))).isTrue();
        assertThat(evaluator.allows(db, web, Port.tcp(8080))).as("unnamed 8080 does not match the name").isFalse();
        assertThat(evaluator.allows(db, web, Port.tcp(9050))).isTrue();
        assertThat(evaluator.allows(db, web, Port.tcp(9999))).isFalse();
        assertThat(evaluator.allows(db, web, Port.udp(53))).isTrue();
        assertThat(evaluator.allows(db, web, Port.tcp(53))).isFalse();
    }

    @Test
    void egressAndIngressMustBothAllowAndIpBlocksMatchOnlyOutsideAddresses() {
        NetworkPolicyEvaluator evaluator = evaluator("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-out, namespace: app}
                spec:
                  podSelector: {matchLabels: {role: web}}
                  policyTypes: [Egress]
                  egress:
                    - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
                    - to: [{podSelector: {matchLabels: {role: db}}}]
                """, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: db-in, namespace: app}
                spec:
                  podSelector: {matchLabels: {role: db}}
                  policyTypes: [Ingress]
                  ingress: [{from: [{podSelector: {matchLabels: {role: nobody}}}]}]
                """);
        assertThat(evaluator.allows(web, db, db.ports().get(0))).as("egress allows, ingress does not").isFalse();
        assertThat(evaluator.allows(web, outside, outside.ports().get(0))).as("inside except").isFalse();
        Endpoint allowedOutside = Endpoint.external("ok", "10.2.0.1", List.of(Port.tcp(443)));
        assertThat(evaluator.allows(web, allowedOutside, Port.tcp(443))).isTrue();
        assertThat(NetworkPolicyEvaluator.inCidr("2001:db8::5", "2001:db8::/64")).isTrue();
        assertThat(NetworkPolicyEvaluator.inCidr("10.0.0.1", "2001:db8::/64")).isFalse();
        assertThat(NetworkPolicyEvaluator.firstHost("198.51.100.0/24")).isEqualTo("198.51.100.1");
    }

    @Test
    void matchExpressions() {
        assertThat(NetworkPolicyEvaluator.selects(policy("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: x, namespace: app}
                spec:
                  podSelector:
                    matchExpressions:
                      - {key: role, operator: In, values: [web, api]}
                      - {key: tier, operator: DoesNotExist}
                """).getSpec().getPodSelector(), Map.of("role", "web"))).isTrue();
        assertThat(NetworkPolicyEvaluator.selects(policy("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: x, namespace: app}
                spec:
                  podSelector:
                    matchExpressions:
                      - {key: role, operator: NotIn, values: [web]}
                """).getSpec().getPodSelector(), Map.of("role", "web"))).isFalse();
    }

    private static NetworkPolicyEvaluator evaluator(String... policies) {
        return new NetworkPolicyEvaluator(Arrays.stream(policies).map(NetworkPolicyEvaluatorTest::policy).toList());
    }

    private static NetworkPolicy policy(String yaml) {
        return YAML.unmarshal(yaml, NetworkPolicy.class);
    }
}
