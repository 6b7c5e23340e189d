package dev.enclave.deploy;

import static dev.enclave.deploy.NetworkPolicyEvaluator.Endpoint;
import static dev.enclave.deploy.NetworkPolicyEvaluator.Port;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Renders every overlay of deploy/ with {@code kubectl kustomize} (skipped, with a message, where
 * kubectl is missing), parses each object with fabric8's model and checks what docs/deploy.md
 * promises: the security invariants of every workload, Services that select a workload, probes on
 * paths the service serves, secrets only by reference, the Ingress paths, replicas, disruption
 * budgets and autoscalers, and the NetworkPolicies evaluated as data against the exact matrix of
 * allowed connections.
 */
class ManifestsTest {

    private static final Path ROOT = Kustomize.repositoryRoot();
    private static final Map<String, ServiceFacts> FACTS = ServiceFacts.SERVICES.stream()
            .collect(Collectors.toMap(s -> s, s -> ServiceFacts.read(ROOT, s)));

    /** What each service must be given (deploy/README.md): its secrets and the URLs of the others. */
    private static final Map<String, Set<String>> REQUIRED_ENV = Map.of(
            "token-service", Set.of("ENCLAVE_TOKEN_ISSUER", "ENCLAVE_TOKEN_MASTER_KEY", "ENCLAVE_TOKEN_INSTANCE_CLIENT_SECRET",
                    "ENCLAVE_TOKEN_OAUTH_VERIFIER_CLIENT_SECRET", "ENCLAVE_GATEWAY_CLIENT_SECRET",
                    "QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD"),
            "instance-service", Set.of("ENCLAVE_INSTANCE_PUBLIC_URL", "ENCLAVE_INSTANCE_MASTER_KEY",
                    "ENCLAVE_INSTANCE_CLIENT_SECRET", "ENCLAVE_INSTANCE_TOKEN_SERVICE_URL", "ENCLAVE_INSTANCE_AI_GATEWAY_URL",
                    "QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD"),
            "ai-gateway", Set.of("ENCLAVE_GATEWAY_TOKEN_SERVICE_URL", "QUARKUS_REST_CLIENT_MODEL_ADAPTER_URL",
                    "ENCLAVE_GATEWAY_CLIENT_SECRET"),
            "model-adapter", Set.of("ENCLAVE_ADAPTER_EGRESS_ALLOWED_CIDRS", "ENCLAVE_ADAPTER_INGRESS_TRUSTED_CIDRS",
                    "ENCLAVE_ADAPTER_TOKEN_SERVICE_URL", "ENCLAVE_ADAPTER_VERIFIER_CLIENT_SECRET"));

    /** The same credential seen from both ends: these pairs must read the same Secret key. */
    private static final List<List<String>> SHARED_SECRETS = List.of(
            List.of("token-service", "ENCLAVE_TOKEN_INSTANCE_CLIENT_SECRET", "instance-service", "ENCLAVE_INSTANCE_CLIENT_SECRET"),
            List.of("token-service", "ENCLAVE_GATEWAY_CLIENT_SECRET", "ai-gateway", "ENCLAVE_GATEWAY_CLIENT_SECRET"),
            List.of("token-service", "ENCLAVE_TOKEN_OAUTH_VERIFIER_CLIENT_SECRET", "model-adapter",
                    "ENCLAVE_ADAPTER_VERIFIER_CLIENT_SECRET"));

    private static final Pattern SECRET_LIKE = Pattern.compile("SECRET|PASSWORD|MASTER_KEY|API_KEY|TOKEN$|JDBC_URL|USERNAME");

    /** One rendering to check, and what the architecture says it must allow. */
    record Case(String name, String namespace, boolean production, List<Endpoint> externals, Set<String> extraFlows) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> overlays() {
        return Stream.of(
                Arguments.of(new Case("overlays/dev", "enclave-dev", false, List.of(), Set.of(
                        "token-service -> token-db 5432/TCP",
                        "instance-service -> instance-db 5432/TCP",
                        "instance-service -> redis 6379/TCP"))),
                Arguments.of(new Case("overlays/prod", "enclave", true, PROD_DATA_SERVICES, Set.of(
                        "token-service -> token-db 5432/TCP",
                        "instance-service -> instance-db 5432/TCP",
                        "instance-service -> redis 6379/TCP"))),
                Arguments.of(new Case("overlays/prod + components/cloud-gateway + components/gateway-direct-access",
                        "enclave", true, concat(PROD_DATA_SERVICES,
                        List.of(Endpoint.external("cloud-gateway", "203.0.113.1", List.of(Port.tcp(443))))), Set.of(
                        "token-service -> token-db 5432/TCP",
                        "instance-service -> instance-db 5432/TCP",
                        "instance-service -> redis 6379/TCP",
                        "instance-service -> cloud-gateway 443/TCP",
                        "ingress-controller -> ai-gateway 5052/TCP"))));
    }

    /** overlays/prod's placeholders (external-services.yaml), the addresses its policies must open. */
    private static final List<Endpoint> PROD_DATA_SERVICES = List.of(
            Endpoint.external("token-db", "192.0.2.10", List.of(Port.tcp(5432))),
            Endpoint.external("instance-db", "192.0.2.11", List.of(Port.tcp(5432))),
            Endpoint.external("redis", "192.0.2.12", List.of(Port.tcp(6379))));

    private static final Map<String, List<HasMetadata>> RENDERED = new java.util.concurrent.ConcurrentHashMap<>();

    /** Each case rendered once for all the tests. */
    private static List<HasMetadata> render(Case c) {
        Kustomize.requireKubectl();
        return RENDERED.computeIfAbsent(c.name(), name -> renderNow(c));
    }

    private static List<HasMetadata> renderNow(Case c) {
        if (!c.name().contains("+")) {
            return Kustomize.render(ROOT.resolve("deploy").resolve(c.name()));
        }
        // As docs/deploy.md says to use a component: from a kustomization that sets the namespace (kustomize
        // accepts only relative paths: one beside the others, combining them).
        try {
            Path dir = Files.createTempDirectory(ROOT.resolve("deploy-tests/target"), "combined-");
            List<String> parts = Arrays.stream(c.name().split("\\+")).map(String::trim).toList();
            StringBuilder yaml = new StringBuilder("namespace: " + c.namespace() + "\nresources:\n");
            yaml.append("  - ").append(dir.relativize(ROOT.resolve("deploy").resolve(parts.get(0)))).append('\n');
            yaml.append("components:\n");
            for (String component : parts.subList(1, parts.size())) {
                yaml.append("  - ").append(dir.relativize(ROOT.resolve("deploy").resolve(component))).append('\n');
            }
            Files.writeString(dir.resolve("kustomization.yaml"), yaml);
            return Kustomize.render(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyWorkloadRunsLockedDown(Case c) {
        List<HasMetadata> objects = render(c);
        SoftAssertions softly = new SoftAssertions();
        List<Workload> workloads = workloads(objects);
        assertThat(workloads).isNotEmpty();
        for (Workload w : workloads) {
            PodSpec pod = w.template().getSpec();
            String at = c + " " + w.name();
            softly.assertThat(pod.getAutomountServiceAccountToken()).as(at + ": automountServiceAccountToken").isFalse();
            PodSecurityContext podSecurity = pod.getSecurityContext();
            List<Container> containers = new ArrayList<>(pod.getContainers());
            if (pod.getInitContainers() != null) {
                containers.addAll(pod.getInitContainers());
            }
            for (Container container : containers) {
                String where = at + "/" + container.getName();
                SecurityContext security = container.getSecurityContext();
                softly.assertThat(security).as(where + ": securityContext").isNotNull();
                if (security == null) {
                    continue;
                }
                boolean nonRoot = Boolean.TRUE.equals(security.getRunAsNonRoot())
                        || (security.getRunAsNonRoot() == null && podSecurity != null
                        && Boolean.TRUE.equals(podSecurity.getRunAsNonRoot()));
                softly.assertThat(nonRoot).as(where + ": runAsNonRoot").isTrue();
                softly.assertThat(security.getReadOnlyRootFilesystem()).as(where + ": readOnlyRootFilesystem").isTrue();
                softly.assertThat(security.getAllowPrivilegeEscalation()).as(where + ": allowPrivilegeEscalation").isFalse();
                softly.assertThat(security.getPrivileged()).as(where + ": privileged").isNotEqualTo(Boolean.TRUE);
                softly.assertThat(security.getCapabilities()).as(where + ": capabilities").isNotNull();
                if (security.getCapabilities() != null) {
                    softly.assertThat(security.getCapabilities().getDrop()).as(where + ": capabilities.drop").contains("ALL");
                    softly.assertThat(security.getCapabilities().getAdd()).as(where + ": capabilities.add").isNullOrEmpty();
                }
                String seccomp = security.getSeccompProfile() != null ? security.getSeccompProfile().getType()
                        : podSecurity != null && podSecurity.getSeccompProfile() != null
                        ? podSecurity.getSeccompProfile().getType() : null;
                softly.assertThat(seccomp).as(where + ": seccompProfile").isEqualTo("RuntimeDefault");

                // requests and limits for CPU and memory, requests within limits
                var resources = container.getResources();
                for (String resource : List.of("cpu", "memory")) {
                    Quantity request = resources == null || resources.getRequests() == null ? null
                            : resources.getRequests().get(resource);
                    Quantity limit = resources == null || resources.getLimits() == null ? null
                            : resources.getLimits().get(resource);
                    softly.assertThat(request).as(where + ": requests." + resource).isNotNull();
                    softly.assertThat(limit).as(where + ": limits." + resource).isNotNull();
                    if (request != null && limit != null) {
                        softly.assertThat(request.getNumericalAmount()).as(where + ": " + resource + " request <= limit")
                                .isLessThanOrEqualTo(limit.getNumericalAmount());
                    }
                }

                // a writable /tmp on an emptyDir (the root file system is read-only)
                Map<String, Volume> volumes = pod.getVolumes() == null ? Map.of() : pod.getVolumes().stream()
                        .collect(Collectors.toMap(Volume::getName, v -> v));
                VolumeMount tmp = container.getVolumeMounts() == null ? null : container.getVolumeMounts().stream()
                        .filter(m -> m.getMountPath().equals("/tmp")).findFirst().orElse(null);
                softly.assertThat(tmp).as(where + ": a volume at /tmp").isNotNull();
                if (tmp != null) {
                    softly.assertThat(volumes.get(tmp.getName())).as(where + ": /tmp volume").isNotNull();
                    if (volumes.get(tmp.getName()) != null) {
                        softly.assertThat(volumes.get(tmp.getName()).getEmptyDir()).as(where + ": /tmp is an emptyDir")
                                .isNotNull();
                    }
                }

                // secrets by reference only
                for (EnvVar env : nullToEmpty(container.getEnv())) {
                    if (SECRET_LIKE.matcher(env.getName()).find()) {
                        softly.assertThat(env.getValue()).as(where + ": " + env.getName() + " has a literal value")
                                .isNull();
                        softly.assertThat(env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null)
                                .as(where + ": " + env.getName() + " comes from a Secret").isTrue();
                    }
                }
            }
        }
        softly.assertAll();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyReferenceResolves(Case c) {
        List<HasMetadata> objects = render(c);
        Map<String, Secret> secrets = byName(objects, Secret.class);
        Map<String, ConfigMap> configMaps = byName(objects, ConfigMap.class);
        Set<String> referencedSecrets = new TreeSet<>();
        SoftAssertions softly = new SoftAssertions();
        for (Workload w : workloads(objects)) {
            for (Container container : w.template().getSpec().getContainers()) {
                String where = c + " " + w.name() + "/" + container.getName();
                for (EnvVar env : nullToEmpty(container.getEnv())) {
                    if (env.getValueFrom() == null) {
                        continue;
                    }
                    var secretRef = env.getValueFrom().getSecretKeyRef();
                    if (secretRef != null) {
                        referencedSecrets.add(secretRef.getName() + "/" + secretRef.getKey());
                        if (!c.production()) {
                            Secret secret = secrets.get(secretRef.getName());
                            softly.assertThat(secret).as(where + ": Secret " + secretRef.getName()).isNotNull();
                            if (secret != null) {
                                Map<String, String> data = new LinkedHashMap<>();
                                if (secret.getData() != null) {
                                    data.putAll(secret.getData());
                                }
                                if (secret.getStringData() != null) {
                                    data.putAll(secret.getStringData());
                                }
                                softly.assertThat(data).as(where + ": key of " + secretRef.getName())
                                        .containsKey(secretRef.getKey());
                            }
                        }
                    }
                    var configRef = env.getValueFrom().getConfigMapKeyRef();
                    if (configRef != null && !Boolean.TRUE.equals(configRef.getOptional())) {
                        ConfigMap map = configMaps.get(configRef.getName());
                        softly.assertThat(map).as(where + ": ConfigMap " + configRef.getName()).isNotNull();
                        if (map != null) {
                            softly.assertThat(map.getData()).as(where + ": key of " + configRef.getName())
                                    .containsKey(configRef.getKey());
                        }
                    }
                }
            }
            for (Volume volume : nullToEmpty(w.template().getSpec().getVolumes())) {
                if (volume.getConfigMap() != null) {
                    softly.assertThat(configMaps).as(c + " " + w.name() + ": volume ConfigMap")
                            .containsKey(volume.getConfigMap().getName());
                }
                if (volume.getSecret() != null && !c.production()) {
                    softly.assertThat(secrets).as(c + " " + w.name() + ": volume Secret")
                            .containsKey(volume.getSecret().getSecretName());
                }
            }
        }
        if (c.production()) {
            // Production Secrets are created by the operator (docs/deploy.md), never rendered from the repository.
            softly.assertThat(secrets).as(c + ": Secrets in the rendering").isEmpty();
            String guide = ServiceFacts.readString(ROOT.resolve("docs/deploy.md"));
            for (String reference : referencedSecrets) {
                String name = reference.substring(0, reference.indexOf('/'));
                String key = reference.substring(reference.indexOf('/') + 1);
                Matcher command = Pattern.compile("create secret generic " + Pattern.quote(name) + "\\b(?:[^\\n]*\\\\\\n)*[^\\n]*")
                        .matcher(guide);
                softly.assertThat(command.find()).as("docs/deploy.md creates Secret " + name).isTrue();
                if (command.find(0)) {
                    softly.assertThat(command.group()).as("docs/deploy.md gives " + name + " its key " + key)
                            .containsPattern("--from-(literal|file)=" + Pattern.quote(key) + "=");
                }
            }
        }
        softly.assertAll();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void theServicesGetTheirConfigurationUnderNamesTheyRead(Case c) {
        List<HasMetadata> objects = render(c);
        Map<String, ConfigMap> configMaps = byName(objects, ConfigMap.class);
        Map<String, Service> services = byName(objects, Service.class);
        Map<String, Workload> workloads = workloads(objects).stream().collect(Collectors.toMap(Workload::name, w -> w));
        SoftAssertions softly = new SoftAssertions();
        Map<String, Map<String, EnvVar>> envByService = new LinkedHashMap<>();
        for (String service : ServiceFacts.SERVICES) {
            Workload w = workloads.get(service);
            assertThat(w).as(c + ": a workload " + service).isNotNull();
            Container container = w.template().getSpec().getContainers().get(0);
            Map<String, EnvVar> env = nullToEmpty(container.getEnv()).stream()
                    .collect(Collectors.toMap(EnvVar::getName, e -> e));
            envByService.put(service, env);
            Set<String> known = new TreeSet<>(FACTS.get(service).environmentNames());
            // names a mounted configuration file reads as ${NAME}
            for (Volume volume : nullToEmpty(w.template().getSpec().getVolumes())) {
                if (volume.getConfigMap() != null && configMaps.containsKey(volume.getConfigMap().getName())) {
                    for (String text : configMaps.get(volume.getConfigMap().getName()).getData().values()) {
                        Matcher reference = Pattern.compile("\\$\\{([A-Z0-9_]+)}").matcher(text);
                        while (reference.find()) {
                            known.add(reference.group(1));
                        }
                    }
                }
            }
            for (String name : env.keySet()) {
                if (name.startsWith("ENCLAVE_") || name.startsWith("QUARKUS_")) {
                    softly.assertThat(known).as(c + " " + service + ": " + name + " is a configuration key of the service")
                            .contains(name);
                }
            }
            softly.assertThat(env.keySet()).as(c + " " + service + ": required settings").containsAll(REQUIRED_ENV.get(service));
            // URLs of the other services name a Service of the rendering and one of its ports
            for (EnvVar var : env.values()) {
                if (var.getValue() != null && var.getValue().startsWith("http://")) {
                    Matcher url = Pattern.compile("http://([a-z0-9-]+):(\\d+)").matcher(var.getValue());
                    softly.assertThat(url.lookingAt()).as(c + " " + service + ": " + var.getName()).isTrue();
                    if (url.lookingAt()) {
                        Service target = services.get(url.group(1));
                        softly.assertThat(target).as(c + " " + service + ": Service " + url.group(1)).isNotNull();
                        if (target != null) {
                            softly.assertThat(target.getSpec().getPorts()).extracting(ServicePort::getPort)
                                    .as(c + " " + service + ": port of " + var.getValue())
                                    .contains(Integer.parseInt(url.group(2)));
                        }
                    }
                }
            }
        }
        for (List<String> pair : SHARED_SECRETS) {
            var one = envByService.get(pair.get(0)).get(pair.get(1)).getValueFrom().getSecretKeyRef();
            var other = envByService.get(pair.get(2)).get(pair.get(3)).getValueFrom().getSecretKeyRef();
            softly.assertThat(one.getName() + "/" + one.getKey()).as(c + ": " + pair + " read the same Secret key")
                    .isEqualTo(other.getName() + "/" + other.getKey());
        }
        softly.assertAll();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void everyServiceSelectsAWorkloadAndEveryProbeAPathItServes(Case c) {
        List<HasMetadata> objects = render(c);
        List<Workload> workloads = workloads(objects);
        SoftAssertions softly = new SoftAssertions();
        for (Service service : ofKind(objects, Service.class)) {
            Map<String, String> selector = service.getSpec().getSelector();
            String at = c + " Service " + service.getMetadata().getName();
            softly.assertThat(selector).as(at + ": selector").isNotEmpty();
            List<Workload> selected = workloads.stream()
                    .filter(w -> Objects.equals(w.namespace(), service.getMetadata().getNamespace()))
                    .filter(w -> w.template().getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                    .toList();
            softly.assertThat(selected).as(at + ": selects exactly one workload").hasSize(1);
            for (Workload w : selected) {
                Set<String> containerPorts = new TreeSet<>();
                for (Container container : w.template().getSpec().getContainers()) {
                    for (ContainerPort port : nullToEmpty(container.getPorts())) {
                        containerPorts.add(String.valueOf(port.getContainerPort()));
                        if (port.getName() != null) {
                            containerPorts.add(port.getName());
                        }
                    }
                }
                for (ServicePort port : service.getSpec().getPorts()) {
                    String target = port.getTargetPort().getIntVal() != null ? String.valueOf(port.getTargetPort().getIntVal())
                            : port.getTargetPort().getStrVal();
                    softly.assertThat(containerPorts).as(at + ": targetPort " + target + " is a port of " + w.name())
                            .contains(target);
                }
            }
        }
        for (Workload w : workloads) {
            ServiceFacts facts = FACTS.get(w.name());
            if (facts == null) {
                continue;
            }
            Container container = w.template().getSpec().getContainers().get(0);
            String at = c + " " + w.name();
            Map<String, Integer> ports = nullToEmpty(container.getPorts()).stream()
                    .filter(p -> p.getName() != null).collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
            softly.assertThat(ports.values()).as(at + ": listens on quarkus.http.port").containsExactly(facts.httpPort());
            softly.assertThat(facts.exposedPort()).as(at + ": the Dockerfile EXPOSEs quarkus.http.port").isEqualTo(facts.httpPort());
            softly.assertThat(container.getImage()).as(at + ": image").matches("(.+/)?enclave/" + w.name() + ":.+");
            softly.assertThat(path(container.getReadinessProbe())).as(at + ": readiness").isEqualTo("/q/health/ready");
            softly.assertThat(path(container.getLivenessProbe())).as(at + ": liveness").isEqualTo("/q/health/live");
            for (Probe probe : Arrays.asList(container.getReadinessProbe(), container.getLivenessProbe(),
                    container.getStartupProbe())) {
                if (probe == null) {
                    continue;
                }
                softly.assertThat(probe.getHttpGet()).as(at + ": probes are HTTP GETs").isNotNull();
                if (probe.getHttpGet() == null) {
                    continue;
                }
                softly.assertThat(facts.healthPaths()).as(at + ": " + w.name() + " serves the probe path")
                        .contains(probe.getHttpGet().getPath());
                var port = probe.getHttpGet().getPort();
                Integer number = port.getIntVal() != null ? port.getIntVal() : ports.get(port.getStrVal());
                softly.assertThat(number).as(at + ": probe port").isEqualTo(facts.httpPort());
            }
        }
        softly.assertAll();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void theIngressRoutesTheApiAndOnlyTokenServicesPublicPaths(Case c) {
        List<HasMetadata> objects = render(c);
        Map<String, Service> services = byName(objects, Service.class);
        Set<String> publicPaths = ServiceFacts.tokenServicePublicPaths(ROOT);
        Ingress main = byName(objects, Ingress.class).get("enclave");
        assertThat(main).as(c + ": Ingress enclave").isNotNull();
        assertThat(main.getSpec().getRules()).as(c + ": one public host").hasSize(1);
        SoftAssertions softly = new SoftAssertions();
        Map<String, String> tokenServicePaths = new LinkedHashMap<>();
        for (Ingress ingress : ofKind(objects, Ingress.class)) {
            for (IngressRule rule : ingress.getSpec().getRules()) {
                for (HTTPIngressPath path : rule.getHttp().getPaths()) {
                    String at = c + " " + ingress.getMetadata().getName() + " " + path.getPath();
                    String backend = path.getBackend().getService().getName();
                    Service service = services.get(backend);
                    softly.assertThat(service).as(at + ": backend Service").isNotNull();
                    if (service != null) {
                        var port = path.getBackend().getService().getPort();
                        softly.assertThat(service.getSpec().getPorts()).as(at + ": backend port")
                                .anyMatch(p -> port.getName() != null ? port.getName().equals(p.getName())
                                        : Objects.equals(port.getNumber(), p.getPort()));
                    }
                    // nothing that could reach an /internal or /q path of any service
                    boolean prefix = !"Exact".equals(path.getPathType());
                    for (String internal : List.of("/internal/v1/keys", "/q/health", "/q/openapi")) {
                        softly.assertThat(prefix ? matchesPrefix(path.getPath(), internal) : path.getPath().equals(internal))
                                .as(at + " must not route " + internal).isFalse();
                    }
                    if (backend.equals("token-service")) {
                        tokenServicePaths.put(path.getPath(), path.getPathType());
                    }
                }
            }
        }
        softly.assertThat(tokenServicePaths.keySet()).as(c + ": token-service's paths are its public ones (AccessPolicy.PUBLIC)")
                .containsExactlyInAnyOrderElementsOf(publicPaths);
        softly.assertThat(new TreeSet<>(tokenServicePaths.values())).as(c + ": each an Exact path").containsExactly("Exact");
        HTTPIngressPath api = main.getSpec().getRules().get(0).getHttp().getPaths().stream()
                .filter(p -> p.getPath().equals("/api/v4")).findFirst().orElse(null);
        softly.assertThat(api).as(c + ": /api/v4").isNotNull();
        if (api != null) {
            softly.assertThat(api.getPathType()).isEqualTo("Prefix");
            softly.assertThat(api.getBackend().getService().getName()).isEqualTo("instance-service");
        }
        softly.assertAll();
    }

    /** Kubernetes' Prefix match: element-wise on '/'-separated segments. */
    private static boolean matchesPrefix(String prefix, String path) {
        if (prefix.equals("/")) {
            return true;
        }
        String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return path.equals(p) || path.startsWith(p + "/");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void replicasBudgetsAutoscalersAndSpread(Case c) {
        List<HasMetadata> objects = render(c);
        List<Workload> workloads = workloads(objects);
        List<HorizontalPodAutoscaler> autoscalers = ofKind(objects, HorizontalPodAutoscaler.class);
        List<PodDisruptionBudget> budgets = ofKind(objects, PodDisruptionBudget.class);
        SoftAssertions softly = new SoftAssertions();
        if (!c.production()) {
            for (Workload w : workloads) {
                softly.assertThat(w.replicas() == null ? 1 : w.replicas()).as(c + " " + w.name() + ": one replica")
                        .isEqualTo(1);
            }
            softly.assertThat(autoscalers).as(c + ": autoscalers").isEmpty();
        } else {
            softly.assertThat(autoscalers).extracting(h -> h.getSpec().getScaleTargetRef().getName())
                    .as(c + ": autoscaled").containsExactlyInAnyOrder("ai-gateway", "model-adapter");
        }
        for (Workload w : workloads) {
            int least = w.replicas() == null ? 1 : w.replicas();
            for (HorizontalPodAutoscaler hpa : autoscalers) {
                if (hpa.getSpec().getScaleTargetRef().getName().equals(w.name())) {
                    softly.assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo(w.kind());
                    least = hpa.getSpec().getMinReplicas() == null ? 1 : hpa.getSpec().getMinReplicas();
                    softly.assertThat(w.replicas()).as(c + " " + w.name() + ": the autoscaler alone sets replicas").isNull();
                }
            }
            if (c.production() && FACTS.containsKey(w.name())) {
                softly.assertThat(least).as(c + " " + w.name() + ": at least two replicas").isGreaterThanOrEqualTo(2);
            }
            if (least > 1) {
                Map<String, String> labels = w.template().getMetadata().getLabels();
                List<PodDisruptionBudget> covering = budgets.stream()
                        .filter(b -> NetworkPolicyEvaluator.selects(b.getSpec().getSelector(), labels)).toList();
                softly.assertThat(covering).as(c + " " + w.name() + ": a PodDisruptionBudget").hasSize(1);
                for (PodDisruptionBudget budget : covering) {
                    var min = budget.getSpec().getMinAvailable();
                    softly.assertThat(min != null && min.getIntVal() != null && min.getIntVal() >= 1 && min.getIntVal() < least)
                            .as(c + " " + w.name() + ": minAvailable leaves room to evict one").isTrue();
                }
                List<TopologySpreadConstraint> spread = nullToEmpty(w.template().getSpec().getTopologySpreadConstraints());
                softly.assertThat(spread).extracting(TopologySpreadConstraint::getTopologyKey)
                        .as(c + " " + w.name() + ": spread over nodes and zones")
                        .contains("kubernetes.io/hostname", "topology.kubernetes.io/zone");
                for (TopologySpreadConstraint constraint : spread) {
                    softly.assertThat(NetworkPolicyEvaluator.selects(constraint.getLabelSelector(), labels))
                            .as(c + " " + w.name() + ": spread selects its own pods").isTrue();
                }
            }
        }
        softly.assertAll();
    }

    // --- NetworkPolicies -------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void theModelNetworksPolicyOpensExactlyTheAdaptersEgressAllowlist(Case c) {
        List<HasMetadata> objects = render(c);
        Set<String> configured = modelNetworks(objects);
        assertThat(configured).as(c + ": model-networks").isNotEmpty();
        NetworkPolicy policy = byName(objects, NetworkPolicy.class).get("model-adapter-model-networks");
        assertThat(policy).as(c + ": NetworkPolicy model-adapter-model-networks").isNotNull();
        Set<String> blocks = new TreeSet<>();
        for (var rule : policy.getSpec().getEgress()) {
            assertThat(rule.getPorts()).as("any port of a model server").isNullOrEmpty();
            for (NetworkPolicyPeer peer : rule.getTo()) {
                assertThat(peer.getIpBlock()).as("only ipBlocks").isNotNull();
                blocks.add(peer.getIpBlock().getCidr());
            }
        }
        assertThat(blocks).as(c + ": ipBlocks = enclave-config model-networks (the adapter's egress allowlist)")
                .isEqualTo(configured);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overlays")
    void theNetworkPoliciesAllowExactlyTheArchitecturesFlows(Case c) {
        List<HasMetadata> objects = render(c);
        List<Endpoint> endpoints = new ArrayList<>();
        for (Workload w : workloads(objects)) {
            assertThat(w.namespace()).isEqualTo(c.namespace());
            List<Port> ports = new ArrayList<>();
            for (Container container : w.template().getSpec().getContainers()) {
                for (ContainerPort port : nullToEmpty(container.getPorts())) {
                    ports.add(new Port(port.getContainerPort(), port.getProtocol() == null ? "TCP" : port.getProtocol(),
                            port.getName()));
                }
            }
            ports.add(Port.tcp(9999)); // a port nothing opens
            endpoints.add(Endpoint.pod(w.name(), w.namespace(), w.template().getMetadata().getLabels(), ports));
        }
        // What else is on a cluster: the Ingress controller, DNS, a pod of another namespace wearing
        // instance-service's labels, a pod of the namespace outside Enclave, and outside addresses.
        endpoints.add(Endpoint.pod("ingress-controller", "ingress-nginx",
                Map.of("app.kubernetes.io/name", "ingress-nginx"), List.of(Port.tcp(80), Port.tcp(443))));
        endpoints.add(Endpoint.pod("kube-dns", "kube-system", Map.of("k8s-app", "kube-dns"),
                List.of(Port.udp(53), Port.tcp(53))));
        endpoints.add(Endpoint.pod("foreign-pod", "other", Map.of("app.kubernetes.io/name", "instance-service"),
                List.of(Port.tcp(8080))));
        endpoints.add(Endpoint.pod("debug-pod", c.namespace(), Map.of("app", "debug"), List.of(Port.tcp(8080))));
        endpoints.add(Endpoint.external("internet", "8.8.8.8", List.of(Port.tcp(443), Port.tcp(80))));
        Set<String> modelNetworks = modelNetworks(objects);
        for (String cidr : modelNetworks) {
            endpoints.add(Endpoint.external("model-network " + cidr, NetworkPolicyEvaluator.firstHost(cidr),
                    List.of(Port.tcp(443), Port.tcp(8000), Port.tcp(11434))));
        }
        endpoints.addAll(c.externals());

        NetworkPolicyEvaluator evaluator = new NetworkPolicyEvaluator(ofKind(objects, NetworkPolicy.class));
        Set<String> actual = evaluator.allowedConnections(endpoints, endpoints, Set.of(c.namespace()));

        Set<String> expected = new TreeSet<>(List.of(
                "ingress-controller -> instance-service 8080/TCP",
                "ingress-controller -> token-service 8081/TCP",
                "instance-service -> token-service 8081/TCP",
                "instance-service -> ai-gateway 5052/TCP",
                "ai-gateway -> token-service 8081/TCP",
                "ai-gateway -> model-adapter 8082/TCP",
                "model-adapter -> token-service 8081/TCP"));
        for (String service : ServiceFacts.SERVICES) {
            expected.add(service + " -> kube-dns 53/UDP");
            expected.add(service + " -> kube-dns 53/TCP");
        }
        for (String cidr : modelNetworks) {
            for (int port : List.of(443, 8000, 11434)) {
                expected.add("model-adapter -> model-network " + cidr + " " + port + "/TCP");
            }
        }
        expected.addAll(c.extraFlows());

        Set<String> unexpected = new TreeSet<>(actual);
        unexpected.removeAll(expected);
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        assertThat(unexpected).as(c + ": connections the policies allow that the architecture does not").isEmpty();
        assertThat(missing).as(c + ": flows of the architecture the policies block").isEmpty();
        // and, spelled out, a few that must never be possible
        assertThat(actual).doesNotContain("instance-service -> model-adapter 8082/TCP",
                "ingress-controller -> model-adapter 8082/TCP", "foreign-pod -> token-service 8081/TCP",
                "model-adapter -> internet 443/TCP", "token-service -> instance-service 8080/TCP");
    }

    // --- plumbing ------------------------------------------------------------------------------

    /** A Deployment or StatefulSet: the things that run pods. */
    record Workload(String kind, String name, String namespace, Integer replicas, PodTemplateSpec template) {
    }

    static List<Workload> workloads(List<HasMetadata> objects) {
        List<Workload> result = new ArrayList<>();
        for (HasMetadata object : objects) {
            if (object instanceof Deployment d) {
                result.add(new Workload("Deployment", d.getMetadata().getName(), d.getMetadata().getNamespace(),
                        d.getSpec().getReplicas(), d.getSpec().getTemplate()));
            } else if (object instanceof StatefulSet s) {
                result.add(new Workload("StatefulSet", s.getMetadata().getName(), s.getMetadata().getNamespace(),
                        s.getSpec().getReplicas(), s.getSpec().getTemplate()));
            } else if (object.getKind().matches("DaemonSet|Job|CronJob|ReplicaSet|Pod")) {
                throw new AssertionError("Unchecked workload kind " + object.getKind() + ": extend ManifestsTest");
            }
        }
        return result;
    }

    private static Set<String> modelNetworks(List<HasMetadata> objects) {
        ConfigMap config = byName(objects, ConfigMap.class).get("enclave-config");
        assertThat(config).as("ConfigMap enclave-config").isNotNull();
        return Arrays.stream(config.getData().getOrDefault("model-networks", "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static String path(Probe probe) {
        return probe == null || probe.getHttpGet() == null ? null : probe.getHttpGet().getPath();
    }

    static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** By name (generated names keep their hash suffix; kustomize rewrites the references to match). */
    static <T extends HasMetadata> Map<String, T> byName(List<HasMetadata> objects, Class<T> type) {
        Map<String, T> result = new LinkedHashMap<>();
        for (T object : ofKind(objects, type)) {
            result.put(object.getMetadata().getName(), object);
        }
        return result;
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    @SafeVarargs
    private static <T> List<T> concat(List<T>... lists) {
        return Arrays.stream(lists).flatMap(List::stream).toList();
    }
}
