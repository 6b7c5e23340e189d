package dev.enclave.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.launcher.ServiceProcess;
import dev.enclave.launcher.Suite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What production runs: the packaged services in the {@code prod} profile against PostgreSQL (two
 * fresh databases, dropped afterwards), configured only through the environment variables
 * docs/deploy.md and the deploy manifests give an operator (master keys, client secrets, JDBC URLs,
 * allowlists, public URL, the other services' URLs). Nothing is generated, seeded by default or
 * allowed by default.
 *
 * <p>In order: each service refuses to start without its secret, naming it; with them the suite
 * starts, the first admin is bootstrapped as in "4. The first admin token", a model is configured and
 * routed as in "5." and a completion works; a composite-identity token works; a signing-key rotation
 * at token-service leaves completions (and tokens signed by the new key) working; instance-service's
 * master key rotated at a restart (docs/admin-guide.md "Rotating the master key") re-encrypts the
 * model's API key, and the new key alone refuses to start; a second instance-service replica on the
 * same database (and the machine's Redis) applies settings changed through the first within
 * settings-cache-ttl, refuses a personal access token revoked through the first within 1 s, and
 * shares the rate limit (the 61st completion in a minute across both is 429); an invalid, an expired
 * and a revoked token get GitLab's 401; token-service's master key rotates like instance-service's (last:
 * it restarts token-service).
 *
 * <p>Runs only on jars built with {@code -Ppostgres} (failsafe passes {@code enclave.db-kind}); see the
 * README's "Test" section for the command. PostgreSQL: {@code enclave.it.pg.url} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/}), {@code enclave.it.pg.user} (default {@code postgres}),
 * {@code enclave.it.pg.password} (default empty, trust authentication).
 */
@EnabledIfSystemProperty(named = "enclave.db-kind", matches = "postgresql",
        disabledReason = "needs the services built for PostgreSQL: ./mvnw -Ppostgres ... -Dit.test=ProdProfileEndToEndIT")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProdProfileEndToEndIT {

    static final Duration START = Duration.ofSeconds(120);
    static final String SEED_ENDPOINT = "http://10.20.1.5:8000/v1";

    final SecureRandom random = new SecureRandom();
    final String pgUrl = System.getProperty("enclave.it.pg.url", "jdbc:postgresql://127.0.0.1:5432/");
    final String pgUser = System.getProperty("enclave.it.pg.user", "postgres");
    final String pgPassword = System.getProperty("enclave.it.pg.password", "");
    final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    final String tokenDb = "enclave_it_token_" + suffix;
    final String instanceDb = "enclave_it_instance_" + suffix;

    Suite.Options options;
    /** Everything the operator supplies, by service: docs/deploy.md "2. Create the Secrets" and the manifests. */
    Map<String, Map<String, String>> environment;
    String instanceClientSecret;
    Suite suite;
    RunningSuite running;
    Map<String, String> admin;
    boolean databasesCreated;
    /** A second instance-service on the same database (started by the replica tests). */
    ServiceProcess secondReplica;

    @BeforeAll
    void createDatabasesAndSecrets() throws Exception {
        Path root = Path.of(System.getProperty("enclave.root", "..")).toAbsolutePath().normalize();
        Path data = Files.createTempDirectory(Files.createDirectories(root.resolve("system-tests/target")), "prod-");
        options = new Suite.Options(root, data, Suite.Ports.free(), "unused-in-prod", "sim-" + UUID.randomUUID(),
                Suite.Options.DEFAULT_JVM_OPTIONS, START, Map.of());
        try (Connection db = DriverManager.getConnection(pgUrl + "postgres", pgUser, pgPassword);
             Statement sql = db.createStatement()) {
            sql.execute("CREATE DATABASE " + tokenDb);
            databasesCreated = true;
            sql.execute("CREATE DATABASE " + instanceDb);
        }
        environment = operatorEnvironment(root, data);
    }

    @AfterAll
    void stopAndDropDatabases() throws SQLException {
        stopSecondReplica();
        if (suite != null) {
            suite.close();
        }
        if (databasesCreated) {
            try (Connection db = DriverManager.getConnection(pgUrl + "postgres", pgUser, pgPassword);
                 Statement sql = db.createStatement()) {
                sql.execute("DROP DATABASE IF EXISTS " + tokenDb + " WITH (FORCE)");
                sql.execute("DROP DATABASE IF EXISTS " + instanceDb + " WITH (FORCE)");
            }
        }
    }

    /** {@code openssl rand -base64 32}, as docs/deploy.md generates every key and secret. */
    private String rand() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private Map<String, Map<String, String>> operatorEnvironment(Path root, Path data) throws IOException {
        Suite.Ports ports = options.ports();
        String publicUrl = "http://localhost:" + ports.instance();
        String tokenService = "http://127.0.0.1:" + ports.tokenService();
        // Secrets: enclave-token-service, enclave-instance-service, enclave-client-secrets.
        String tokenMasterKey = rand();
        String instanceMasterKey = rand();
        instanceClientSecret = rand();
        String gatewaySecret = rand();
        String adapterSecret = rand();
        // The model networks and the pod network: here the loopback address the simulator and the
        // gateway use, listed explicitly (production allows nothing by default).
        String modelNetworks = "127.0.0.1/32";
        String podNetwork = "127.0.0.1/32";

        // token-service reads the gateway's secret through a configuration file (a quoted map key no
        // environment variable reaches): the line of deploy/base/config.yaml's token-service-config.
        String line = Files.readAllLines(root.resolve("deploy/base/config.yaml")).stream().map(String::trim)
                .filter(l -> l.startsWith("enclave.token.oauth.service-clients.")).findFirst()
                .orElseThrow(() -> new AssertionError("deploy/base/config.yaml has no service-clients line"));
        Path tokenConfig = data.resolve("token-service-config/application.properties");
        Files.createDirectories(tokenConfig.getParent());
        Files.writeString(tokenConfig, line + "\n");

        Map<String, Map<String, String>> env = new LinkedHashMap<>();
        Map<String, String> token = new LinkedHashMap<>();
        token.put("ENCLAVE_TOKEN_ISSUER", publicUrl);
        token.put("ENCLAVE_TOKEN_MASTER_KEY", tokenMasterKey);
        token.put("ENCLAVE_TOKEN_INSTANCE_CLIENT_SECRET", instanceClientSecret);
        token.put("ENCLAVE_TOKEN_OAUTH_VERIFIER_CLIENT_SECRET", adapterSecret);
        token.put("ENCLAVE_GATEWAY_CLIENT_SECRET", gatewaySecret);
        token.put("QUARKUS_DATASOURCE_JDBC_URL", pgUrl + tokenDb);
        token.put("QUARKUS_DATASOURCE_USERNAME", pgUser);
        token.put("QUARKUS_DATASOURCE_PASSWORD", pgPassword);
        token.put("QUARKUS_CONFIG_LOCATIONS", tokenConfig.toString());
        // Test only: a rotated key signs after 5 s instead of 6 min (token-service README, "Keys").
        token.put("ENCLAVE_TOKEN_KEYS_PUBLISH_DELAY", "PT5S");
        token.put("ENCLAVE_TOKEN_KEYS_CHECK_INTERVAL", "1s");
        env.put(Suite.TOKEN_SERVICE, loopback(token));

        Map<String, String> adapter = new LinkedHashMap<>();
        adapter.put("ENCLAVE_ADAPTER_TOKEN_SERVICE_URL", tokenService);
        adapter.put("ENCLAVE_ADAPTER_EGRESS_ALLOWED_CIDRS", modelNetworks);
        adapter.put("ENCLAVE_ADAPTER_INGRESS_TRUSTED_CIDRS", podNetwork);
        adapter.put("ENCLAVE_ADAPTER_VERIFIER_CLIENT_SECRET", adapterSecret);
        env.put(Suite.ADAPTER, loopback(adapter));

        Map<String, String> gateway = new LinkedHashMap<>();
        gateway.put("ENCLAVE_GATEWAY_TOKEN_SERVICE_URL", tokenService);
        gateway.put("QUARKUS_REST_CLIENT_MODEL_ADAPTER_URL", "http://127.0.0.1:" + ports.adapter());
        gateway.put("ENCLAVE_GATEWAY_CLIENT_SECRET", gatewaySecret);
        env.put(Suite.GATEWAY, loopback(gateway));

        Map<String, String> instance = new LinkedHashMap<>();
        instance.put("ENCLAVE_INSTANCE_PUBLIC_URL", publicUrl);
        instance.put("ENCLAVE_INSTANCE_HOST_NAME", "localhost");
        instance.put("ENCLAVE_INSTANCE_TOKEN_SERVICE_URL", tokenService);
        instance.put("ENCLAVE_INSTANCE_AI_GATEWAY_URL", "http://127.0.0.1:" + ports.gateway());
        instance.put("ENCLAVE_INSTANCE_EGRESS_DEFAULT_ALLOWED_CIDRS", modelNetworks);
        instance.put("ENCLAVE_INSTANCE_MASTER_KEY", instanceMasterKey);
        instance.put("ENCLAVE_INSTANCE_CLIENT_SECRET", instanceClientSecret);
        instance.put("QUARKUS_DATASOURCE_JDBC_URL", pgUrl + instanceDb);
        instance.put("QUARKUS_DATASOURCE_USERNAME", pgUser);
        instance.put("QUARKUS_DATASOURCE_PASSWORD", pgPassword);
        // the machine's Redis (CI starts it): the replicas' shared rate limits and revocation news
        instance.put("ENCLAVE_INSTANCE_REDIS_URL", REDIS_URL);
        env.put(Suite.INSTANCE, loopback(instance));
        return env;
    }

    /** Variables this test sets that the manifests do not: test-only tuning, and the config file's path. */
    static final Set<String> TEST_ONLY = Set.of("QUARKUS_HTTP_HOST", "ENCLAVE_TOKEN_KEYS_PUBLISH_DELAY",
            "ENCLAVE_TOKEN_KEYS_CHECK_INTERVAL");
    /** Variables of the manifests this test leaves unset: optional (the cloud gateway component). */
    static final Set<String> OPTIONAL = Set.of("ENCLAVE_INSTANCE_CLOUD_GATEWAY_URL");

    @Test
    @Order(0)
    void theEnvironmentIsTheOneTheManifestsGive() throws IOException {
        Path root = options.projectRoot();
        Pattern name = Pattern.compile("^\\s*- name: ([A-Z][A-Z0-9_]*)\\s*$");
        for (String service : Suite.SERVICES) {
            Set<String> manifest = new TreeSet<>();
            for (String line : Files.readAllLines(root.resolve("deploy/base/" + service + ".yaml"))) {
                Matcher m = name.matcher(line);
                if (m.matches()) {
                    manifest.add(m.group(1));
                }
            }
            manifest.removeAll(OPTIONAL);
            Set<String> supplied = new TreeSet<>(environment.get(service).keySet());
            supplied.removeAll(TEST_ONLY);
            assertThat(supplied).as(service + ": the variables of deploy/base/" + service + ".yaml").isEqualTo(manifest);
        }
    }

    /** Test only: listen on loopback rather than on every interface of the machine. */
    private static Map<String, String> loopback(Map<String, String> env) {
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        return Map.copyOf(env);
    }

    /** Starts {@code service} without {@code missing}; returns its output once it has exited non-zero. */
    private String refusedStart(String service, String missing) throws IOException {
        Map<String, String> env = new HashMap<>(environment.get(service));
        assertThat(env.remove(missing)).as(missing).isNotNull();
        return refusedStart(service, service + "-without-" + missing, env);
    }

    /** Starts {@code service} with {@code env} as {@code name}; returns its output once it has exited non-zero. */
    private String refusedStart(String service, String name, Map<String, String> env) throws IOException {
        ServiceProcess process = Suite.prodService(options, service, name, env);
        try {
            process.start(START);
            fail(service + " started in prod as " + name);
        } catch (IllegalStateException expected) {
            assertThat(expected.getMessage()).as(name).contains("exited with code");
        } finally {
            process.stop();
        }
        assertThat(process.exitCode()).isPresent();
        assertThat(process.exitCode().getAsInt()).as(name + " exit code").isNotZero();
        return Files.readString(process.log());
    }

    @Test
    @Order(1)
    void eachServiceRefusesToStartWithoutItsSecret() throws IOException {
        record Case(String service, String variable, String named) {
        }
        List<Case> cases = List.of(
                new Case(Suite.TOKEN_SERVICE, "ENCLAVE_TOKEN_MASTER_KEY", "enclave.token.master-key"),
                new Case(Suite.TOKEN_SERVICE, "ENCLAVE_TOKEN_INSTANCE_CLIENT_SECRET", "enclave.token.instance-client.secret"),
                new Case(Suite.ADAPTER, "ENCLAVE_ADAPTER_VERIFIER_CLIENT_SECRET", "enclave.adapter.verifier-client.secret"),
                new Case(Suite.GATEWAY, "ENCLAVE_GATEWAY_CLIENT_SECRET", "enclave.gateway.client-secret"),
                new Case(Suite.INSTANCE, "ENCLAVE_INSTANCE_MASTER_KEY", "enclave.instance.master-key"),
                new Case(Suite.INSTANCE, "ENCLAVE_INSTANCE_CLIENT_SECRET", "enclave.instance.client-secret"));
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            String output = refusedStart(c.service(), c.variable());
            if (!output.contains(c.named())) {
                failures.add(c.service() + " without " + c.variable() + " did not name " + c.named() + ":\n" + output);
            }
            // A refusal names the setting, never another one's value.
            environment.get(c.service()).forEach((variable, value) -> {
                if ((variable.contains("SECRET") || variable.contains("MASTER_KEY")) && output.contains(value)) {
                    failures.add(c.service() + " printed " + variable + " while refusing to start");
                }
            });
        }
        assertThat(failures).isEmpty();
    }

    @Test
    @Order(2)
    void theOperatorsFirstCompletion() throws IOException {
        // 4. The first admin token: one instance replica with the seed on, read the token, seed off.
        Path tokenFile = options.dataDir().resolve("seed/admin-token.txt");
        Map<String, String> seeding = new HashMap<>(environment.get(Suite.INSTANCE));
        seeding.put("ENCLAVE_INSTANCE_SEED_ENABLED", "true");
        seeding.put("ENCLAVE_INSTANCE_SEED_TOKEN_FILE", tokenFile.toString());
        seeding.put("ENCLAVE_INSTANCE_SEED_MODEL_ENDPOINT", SEED_ENDPOINT);
        seeding.put("ENCLAVE_INSTANCE_SEED_MODEL_IDENTIFIER", "custom_openai/" + Suite.SIMULATED_MODEL);
        ServiceProcess token = Suite.prodService(options, Suite.TOKEN_SERVICE, "token-service-seed",
                environment.get(Suite.TOKEN_SERVICE));
        ServiceProcess seed = Suite.prodService(options, Suite.INSTANCE, "instance-service-seed", seeding);
        String adminToken;
        try {
            token.start(START);
            seed.start(START);
            adminToken = Files.readString(tokenFile).trim();
        } finally {
            seed.stop();
            token.stop();
        }
        assertThat(adminToken).isNotBlank();
        assertThat(Files.readString(seed.log())).doesNotContain(adminToken);

        suite = Suite.startProd(options, environment);
        running = RunningSuite.of(suite, options, adminToken, instanceClientSecret);
        admin = Map.of("PRIVATE-TOKEN", adminToken);
        assertThat(running.get(Suite.INSTANCE, "/api/v4/user", admin).json().path("username").asText()).isEqualTo("root");

        // 5. Configure a model and route a feature.
        adminPut("/api/v4/admin/ai/settings", "{\"offline_mode\":true,\"egress_allowed_cidrs\":[\"127.0.0.1/32\"]}");
        RunningSuite.Answer created = running.post(Suite.INSTANCE, "/api/v4/admin/ai/self_hosted_models", admin,
                "{\"name\":\"codestral-on-simulator\",\"model\":\"codestral\",\"provider\":\"openai_compatible\","
                        + "\"endpoint\":\"" + running.service(Suite.SIMULATOR).url() + "/v1\",\"identifier\":\"custom_openai/"
                        + Suite.SIMULATED_MODEL + "\",\"api_token\":\"" + options.modelApiKey() + "\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        long model = created.json().path("id").asLong();
        RunningSuite.Answer check = running.post(Suite.INSTANCE,
                "/api/v4/admin/ai/self_hosted_models/" + model + "/connection_check", admin, "");
        assertThat(check.json().path("success").asBoolean()).as(check.body()).isTrue();
        adminPut("/api/v4/admin/ai/feature_settings/code_completions",
                "{\"provider\":\"self_hosted\",\"ai_self_hosted_model_id\":" + model + "}");

        // 6. The first completion.
        adminPut("/api/v4/license", "{\"plan\":\"ultimate\",\"duo_enterprise_seats\":50}");
        assertCompletionWorks();
    }

    private void adminPut(String path, String json) {
        RunningSuite.Answer answer = running.put(Suite.INSTANCE, path, admin, json);
        assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(200);
    }

    private void assertCompletionWorks() {
        RunningSuite.Answer answer = running.complete("def add(a, b):\n    ");
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode json = answer.json();
        assertThat(json.path("model").path("name").asText()).isEqualTo(Suite.SIMULATED_MODEL);
        assertThat(json.path("choices").path(0).path("text").asText()).isNotBlank();
    }

    @Test
    @Order(3)
    void aCompositeIdentityTokenActsForTheHuman() {
        requireSuite();
        compositeIdentityWorks();
    }

    /**
     * docs/composite-identity.md: a service account, a {@code user:*} application, a grant for a human,
     * the exchange at the public host; the token acts as the account, only where the human may too.
     * Returns the access token.
     */
    /** The OAuth application of the last {@link #compositeIdentityWorks} (its id and secret revoke its tokens). */
    private JsonNode lastApp;

    private String compositeIdentityWorks() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        long account = created("/api/v4/service_accounts",
                "{\"username\":\"agent-" + tag + "\",\"composite_identity_enforced\":true}").path("id").asLong();
        long human = created("/api/v4/users", "{\"username\":\"alice-" + tag + "\",\"name\":\"Alice\"}")
                .path("id").asLong();
        String redirect = "http://localhost/callback";
        JsonNode app = created("/api/v4/applications", "{\"name\":\"agent\",\"redirect_uri\":\"" + redirect
                + "\",\"scopes\":\"api user:*\",\"confidential\":true}");
        long group = created("/api/v4/groups", "{\"name\":\"team-" + tag + "\"}").path("id").asLong();
        long shared = created("/api/v4/projects", "{\"name\":\"shared\",\"namespace_id\":" + group + "}")
                .path("id").asLong();
        long agentOnly = created("/api/v4/projects", "{\"name\":\"agent-only\",\"namespace_id\":" + group + "}")
                .path("id").asLong();
        for (long member : new long[]{account, human}) {
            created("/api/v4/projects/" + shared + "/members", "{\"user_id\":" + member + ",\"access_level\":30}");
        }
        created("/api/v4/projects/" + agentOnly + "/members", "{\"user_id\":" + account + ",\"access_level\":30}");
        String code = created("/api/v4/service_accounts/" + account + "/oauth_grants",
                "{\"application_id\":\"" + app.path("application_id").asText() + "\",\"user_id\":" + human
                        + ",\"scopes\":\"api\",\"redirect_uri\":\"" + redirect + "\"}").path("code").asText();

        lastApp = app;
        String access = exchange(app, Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", redirect));
        Map<String, String> bearer = Map.of("Authorization", "Bearer " + access);
        assertThat(running.get(Suite.INSTANCE, "/api/v4/user", bearer).json().path("id").asLong()).isEqualTo(account);
        RunningSuite.Answer issue = running.post(Suite.INSTANCE, "/api/v4/projects/" + shared + "/issues", bearer,
                "{\"title\":\"opened by the agent for Alice\"}");
        assertThat(issue.status()).as(issue.body()).isEqualTo(201);
        assertThat(issue.json().path("author").path("id").asLong()).isEqualTo(account);
        assertThat(running.get(Suite.INSTANCE, "/api/v4/projects/" + agentOnly, bearer).status()).isEqualTo(404);
        return access;
    }

    private JsonNode created(String path, String json) {
        RunningSuite.Answer answer = running.post(Suite.INSTANCE, path, admin, json);
        assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(201);
        return answer.json();
    }

    private String exchange(JsonNode app, Map<String, String> form) {
        RunningSuite.Answer answer = running.postForm(Suite.INSTANCE, "/oauth/token",
                RunningSuite.basic(app.path("application_id").asText(), app.path("secret").asText()), form);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json().path("access_token").asText();
    }

    @Test
    @Order(4)
    void completionsKeepWorkingAcrossASigningKeyRotation() throws Exception {
        requireSuite();
        String before = signingKid();
        RunningSuite.Answer rotated = running.post(Suite.TOKEN_SERVICE, "/internal/v1/keys/rotate",
                running.instanceClientAuth(), "");
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(201);
        String next = rotated.json().path("kid").asText();
        assertThat(next).isNotBlank().isNotEqualTo(before);
        // Published at once, signing only after the publish delay: completions go on meanwhile.
        assertThat(jwksKids()).contains(before, next);
        assertCompletionWorks();

        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!next.equals(signingKid()) && Instant.now().isBefore(deadline)) {
            Thread.sleep(250);
        }
        assertThat(signingKid()).as("the rotated key signs after the publish delay").isEqualTo(next);
        assertThat(jwksKids()).as("the retired key stays published").contains(before, next);
        // The instance's cached AI token (old key) still verifies at the gateway and the adapter.
        assertCompletionWorks();

        // A restarted instance mints its AI token anew, under the new key: the gateway and the
        // adapter accept it.
        ServiceProcess instance = running.service(Suite.INSTANCE);
        instance.stop();
        instance.start(START);
        assertCompletionWorks();
        // OAuth tokens are signed by the new key now, and the instance accepts them.
        String access = compositeIdentityWorks();
        assertThat(kidOf(access)).isEqualTo(next);
    }

    /**
     * docs/admin-guide.md "Rotating the master key": instance-service started with the new key as
     * {@code ENCLAVE_INSTANCE_MASTER_KEY} and the old one in {@code ENCLAVE_INSTANCE_PREVIOUS_MASTER_KEYS}
     * re-encrypts the stored model API key at start-up; with the new key alone (the old one left out)
     * it refuses to start, naming the model and the two settings and printing no key.
     */
    @Test
    @Order(5)
    void aNewInstanceMasterKeyReencryptsTheModelApiKeyAtStartUp() throws Exception {
        requireSuite();
        String select = "SELECT api_token_encrypted FROM ai_self_hosted_models WHERE name = 'codestral-on-simulator'";
        String before = queryOne(instanceDb, select);
        Map<String, String> old = environment.get(Suite.INSTANCE);
        String oldKey = old.get("ENCLAVE_INSTANCE_MASTER_KEY");
        String newKey = rand();
        Map<String, String> newKeyOnly = with(old, "ENCLAVE_INSTANCE_MASTER_KEY", newKey);
        Map<String, String> rotating = with(newKeyOnly, "ENCLAVE_INSTANCE_PREVIOUS_MASTER_KEYS", oldKey);

        running.service(Suite.INSTANCE).stop();
        String refused = refusedStart(Suite.INSTANCE, "instance-service-new-master-key-only", newKeyOnly);
        assertThat(refused).as("the refusal names the model and what to set")
                .contains("self-hosted model", "codestral-on-simulator", "enclave.instance.master-key",
                        "enclave.instance.previous-master-keys")
                .doesNotContain(newKey).doesNotContain(oldKey).doesNotContain(options.modelApiKey());
        assertThat(queryOne(instanceDb, select)).as("a refused start writes nothing").isEqualTo(before);

        ServiceProcess rotated = suite.restartProd(options, Suite.INSTANCE, rotating);
        String after = queryOne(instanceDb, select);
        assertThat(after).as("the API key's ciphertext, re-encrypted").isNotBlank().isNotEqualTo(before)
                .doesNotContain(options.modelApiKey());
        assertThat(Files.readString(rotated.log()))
                .contains("Re-encrypted 1 model API key(s) under the current master key")
                .doesNotContain(newKey).doesNotContain(oldKey);
        // The model server still gets the right key: the completion goes through the simulator, which
        // refuses any other.
        assertCompletionWorks();
        // The last step of the rotation: the old key dropped from the configuration (the replica
        // tests start with this environment).
        environment.put(Suite.INSTANCE, newKeyOnly);
    }

    /** docs/admin-guide.md, "1. AI settings": changes apply on every other replica within 2 s. */
    static final Duration SETTINGS_BOUND = Duration.ofSeconds(2);
    static final String REDIS_URL = "redis://127.0.0.1:6379";

    /** Whether the Redis the replicas share answers (without it they fall back to their own memory). */
    static boolean redisAnswers() {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", 6379), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * instance-service README, "Caches": a revocation reaches the other replicas at once through Redis
     * (issue 11: within 1 s), and within pat-cache-ttl (10 s) without it.
     */
    static final Duration PAT_BOUND = redisAnswers() ? Duration.ofSeconds(1) : Duration.ofSeconds(10);

    /** The second replica, started on a free port with the first one's environment. */
    private ServiceProcess secondReplica() {
        if (secondReplica == null) {
            secondReplica = Suite.prodService(options, Suite.INSTANCE, "instance-service-2",
                    Suite.Ports.free().instance(), environment.get(Suite.INSTANCE));
            secondReplica.start(START);
        }
        return secondReplica;
    }

    private void stopSecondReplica() {
        if (secondReplica != null) {
            secondReplica.stop();
            secondReplica = null;
        }
    }

    @Test
    @Order(6)
    void settingsChangedThroughOneReplicaApplyOnAnotherWithinTheCacheBound() throws Exception {
        requireSuite();
        ServiceProcess first = running.service(Suite.INSTANCE);
        ServiceProcess second = secondReplica();
        String project = created("/api/v4/projects", "{\"name\":\"replicas-" + suffix + "\"}")
                .path("path_with_namespace").asText();
        String enabled = "{\"project_path\":\"" + project + "\"}";
        java.util.function.Supplier<RunningSuite.Answer> onSecond =
                () -> running.post(second, "/api/v4/code_suggestions/enabled", admin, enabled);
        RunningSuite.Answer warm = onSecond.get();
        assertThat(warm.status()).as("code suggestions enabled on the second replica: " + warm.body()).isEqualTo(200);
        long model = queryLong(instanceDb,
                "SELECT id FROM ai_self_hosted_models WHERE name = 'codestral-on-simulator'");
        String selfHosted = "{\"provider\":\"self_hosted\",\"ai_self_hosted_model_id\":" + model + "}";
        String routing = "/api/v4/admin/ai/feature_settings/code_completions";
        String settings = "/api/v4/admin/ai/settings";
        List<String> figures = new ArrayList<>();

        // Routing: the feature disabled through the first replica.
        Instant changed = adminPutAnswered(routing, "{\"provider\":\"disabled\"}");
        assertThat(running.post(first, "/api/v4/code_suggestions/enabled", admin, enabled).status())
                .as("at once on the replica that took the change").isEqualTo(403);
        figures.add("code_completions disabled: " + untilApplied("routing", changed, SETTINGS_BOUND, 403, onSecond));

        // An AI setting: with the feature unassigned, offline_mode decides whether it is disabled.
        adminPut(routing, "{\"provider\":\"unassigned\"}");
        changed = adminPutAnswered(settings, "{\"offline_mode\":false}");
        figures.add("offline_mode off: " + untilApplied("offline_mode false", changed, SETTINGS_BOUND, 200, onSecond));
        changed = adminPutAnswered(settings, "{\"offline_mode\":true}");
        figures.add("offline_mode on: " + untilApplied("offline_mode true", changed, SETTINGS_BOUND, 403, onSecond));

        // Routed to the model again: the second replica completes.
        changed = adminPutAnswered(routing, selfHosted);
        figures.add("routed to the model: " + untilApplied("routing", changed, SETTINGS_BOUND, 200, onSecond));
        RunningSuite.Answer completion = running.complete(second, admin, "def add(a, b):\n    ");
        assertThat(completion.status()).as(completion.body()).isEqualTo(200);
        assertThat(completion.json().path("model").path("name").asText()).isEqualTo(Suite.SIMULATED_MODEL);
        System.out.println("Settings reached the second replica (bound " + SETTINGS_BOUND.toMillis() + " ms): " + figures);
    }

    @Test
    @Order(7)
    void aTokenRevokedThroughOneReplicaIsRefusedByAnotherWithinThePatCacheBound() throws Exception {
        requireSuite();
        ServiceProcess first = running.service(Suite.INSTANCE);
        ServiceProcess second = secondReplica();
        JsonNode pat = personalAccessToken("revoked-across-replicas", null);
        Map<String, String> credentials = Map.of("PRIVATE-TOKEN", pat.path("token").asText());
        // Resolved, and so cached, on both replicas.
        assertThat(running.get(first, "/api/v4/user", credentials).status()).isEqualTo(200);
        assertThat(running.get(second, "/api/v4/user", credentials).status()).isEqualTo(200);

        RunningSuite.Answer revoked = running.delete(first, "/api/v4/personal_access_tokens/" + pat.path("id").asLong(),
                admin);
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(204);
        Instant changed = Instant.now();
        assertUnauthorized("revoked, on the replica that revoked it", running.get(first, "/api/v4/user", credentials));
        Duration took = untilApplied("PAT revocation", changed, PAT_BOUND, 401,
                () -> running.get(second, "/api/v4/user", credentials));
        System.out.println("A PAT revoked through one replica was refused by the other after " + took.toMillis()
                + " ms (bound: pat-cache-ttl, " + PAT_BOUND.toMillis() + " ms)");
        assertUnauthorized("revoked, on the other replica", running.get(second, "/api/v4/user", credentials));
        assertUnauthorized("revoked, completion on the other replica",
                running.complete(second, credentials, "def add(a, b):\n    "));
    }

    /** instance-service README: revoked OAuth access tokens stop working within revocation-poll-interval (5 s); 1 s for the poll itself. */
    static final Duration REVOCATION_BOUND = Duration.ofSeconds(6);

    /**
     * Issue 11, scaled out: two instance-service replicas (one PostgreSQL database, one Redis), two
     * ai-gateways and two model-adapters, each pair behind a round-robin front as a Kubernetes Service
     * would be. Completions travel every path; of a user's completions sent alternately to both
     * instance replicas, the 61st in the minute gets 429 on either (two replicas counting alone would
     * let 120 through); an OAuth access token revoked is refused by both replicas within the
     * revocation bound.
     */
    @Test
    @Order(8)
    void twoOfEachServiceShareTheRateLimitAndTheRevocations() throws Exception {
        requireSuite();
        org.junit.jupiter.api.Assumptions.assumeTrue(redisAnswers(), "no Redis at 127.0.0.1:6379");
        ServiceProcess first = running.service(Suite.INSTANCE);
        ServiceProcess second = secondReplica();
        List<ServiceProcess> extra = new ArrayList<>();
        List<RoundRobinFront> fronts = new ArrayList<>();
        String gatewayBefore = running.get(first, "/api/v4/admin/ai/settings", admin).json().path("ai_gateway_url").asText();
        try {
            ServiceProcess adapter2 = Suite.prodService(options, Suite.ADAPTER, "model-adapter-2",
                    Suite.Ports.free().adapter(), environment.get(Suite.ADAPTER));
            extra.add(adapter2);
            adapter2.start(START);
            RoundRobinFront adapters = RoundRobinFront.of(running.service(Suite.ADAPTER).url(), adapter2.url());
            fronts.add(adapters);
            Map<String, String> gatewayEnv = with(environment.get(Suite.GATEWAY), "QUARKUS_REST_CLIENT_MODEL_ADAPTER_URL",
                    adapters.url());
            List<String> gatewayUrls = new ArrayList<>();
            for (String name : List.of("ai-gateway-a", "ai-gateway-b")) {
                ServiceProcess gateway = Suite.prodService(options, Suite.GATEWAY, name, Suite.Ports.free().gateway(),
                        gatewayEnv);
                extra.add(gateway);
                gateway.start(START);
                gatewayUrls.add(gateway.url());
            }
            RoundRobinFront gateways = RoundRobinFront.of(gatewayUrls.toArray(String[]::new));
            fronts.add(gateways);
            adminPut("/api/v4/admin/ai/settings", "{\"ai_gateway_url\":\"" + gateways.url() + "\"}");
            // both replicas route through the gateways' front once their settings cache has it (test 6
            // measured that bound; warming up with completions would spend the rate limits measured below)
            Thread.sleep(SETTINGS_BOUND.plusMillis(500).toMillis());

            // a user of its own, so that no earlier completion counts in its window
            String name = "limited-" + UUID.randomUUID().toString().substring(0, 8);
            long userId = created("/api/v4/users", "{\"username\":\"" + name + "\",\"name\":\"Limited\",\"email\":\""
                    + name + "@example.invalid\"}").path("id").asLong();
            created("/api/v4/admin/duo/seats", "{\"user_id\":" + userId + "}");
            Map<String, String> credentials = Map.of("PRIVATE-TOKEN", created("/api/v4/users/" + userId
                    + "/personal_access_tokens", "{\"name\":\"limited\",\"scopes\":[\"ai_features\"]}").path("token").asText());
            int allowed = 0;
            RunningSuite.Answer refused = null;
            for (int i = 0; i < 121 && refused == null; i++) {
                RunningSuite.Answer answer = running.complete(i % 2 == 0 ? first : second, credentials, "x" + i + " = ");
                if (answer.status() == 429) {
                    refused = answer;
                } else {
                    assertThat(answer.status()).as("completion %d: %s", i + 1, answer.body()).isEqualTo(200);
                    allowed++;
                }
            }
            assertThat(allowed).as("completions served across both replicas before the first 429").isEqualTo(60);
            assertThat(refused).isNotNull();
            assertThat(refused.header("Retry-After")).as("Retry-After").matches("[1-9][0-9]*");
            assertThat(running.complete(first, credentials, "y = ").status()).isEqualTo(429);
            assertThat(running.complete(second, credentials, "y = ").status()).isEqualTo(429);
            for (int i = 0; i < 2; i++) {
                assertThat(gateways.served(i)).as("ai-gateway %d served", i + 1).isPositive();
                assertThat(adapters.served(i)).as("model-adapter %d served", i + 1).isPositive();
            }
            System.out.printf("Served by ai-gateway a/b: %d/%d, by model-adapter 1/2: %d/%d%n", gateways.served(0),
                    gateways.served(1), adapters.served(0), adapters.served(1));

            // an OAuth access token revoked through one replica: refused by both within the bound
            String access = compositeIdentityWorks();
            Map<String, String> bearer = Map.of("Authorization", "Bearer " + access);
            assertThat(running.get(first, "/api/v4/user", bearer).status()).isEqualTo(200);
            assertThat(running.get(second, "/api/v4/user", bearer).status()).isEqualTo(200);
            RunningSuite.Answer revoke = running.postForm(Suite.INSTANCE, "/oauth/revoke",
                    RunningSuite.basic(lastApp.path("application_id").asText(), lastApp.path("secret").asText()),
                    Map.of("token", access));
            assertThat(revoke.status()).as(revoke.body()).isEqualTo(200);
            Instant revokedAt = Instant.now();
            for (ServiceProcess replica : List.of(first, second)) {
                Duration took = untilApplied("OAuth revocation on " + replica.name(), revokedAt, REVOCATION_BOUND, 401,
                        () -> running.get(replica, "/api/v4/user", bearer));
                System.out.println("An OAuth token revoked was refused by " + replica.name() + " after " + took.toMillis()
                        + " ms (bound " + REVOCATION_BOUND.toMillis() + " ms)");
            }
        } finally {
            if (!gatewayBefore.isBlank()) {
                adminPut("/api/v4/admin/ai/settings", "{\"ai_gateway_url\":\"" + gatewayBefore + "\"}");
            }
            fronts.forEach(RoundRobinFront::close);
            extra.forEach(ServiceProcess::stop);
            stopSecondReplica();
        }
    }

    /**
     * docs/errors.md (instance-service): an unknown, revoked or expired token gets GitLab's
     * {@code 401 {"message":"401 Unauthorized"}} with {@code X-GitLab-Error-Origin: monolith}, on the
     * AI endpoints and the REST API alike, in either header.
     */
    @Test
    @Order(9)
    void anInvalidAnExpiredAndARevokedTokenGetGitLabs401() throws Exception {
        requireSuite();
        ServiceProcess instance = running.service(Suite.INSTANCE);
        // Revoked: works, then revoked through the API.
        JsonNode revoked = personalAccessToken("revoked", null);
        String revokedToken = revoked.path("token").asText();
        assertThat(running.get(instance, "/api/v4/user", Map.of("PRIVATE-TOKEN", revokedToken)).status()).isEqualTo(200);
        RunningSuite.Answer completion = running.complete(instance, Map.of("PRIVATE-TOKEN", revokedToken), "x = ");
        assertThat(completion.status()).as("before revocation: " + completion.body()).isEqualTo(200);
        assertThat(running.delete(instance, "/api/v4/personal_access_tokens/" + revoked.path("id").asLong(), admin)
                .status()).isEqualTo(204);

        // Expired: the API refuses an expiry in the past, so the token is made with tomorrow's and its
        // row moved into the past before the token is first used (nothing caches it yet).
        RunningSuite.Answer past = running.post(instance, "/api/v4/users/" + rootId() + "/personal_access_tokens",
                admin, "{\"name\":\"expired\",\"scopes\":[\"api\"],\"expires_at\":\""
                        + java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(1) + "\"}");
        assertThat(past.status()).as(past.body()).isEqualTo(400);
        assertThat(past.body()).contains("expires_at must be in the future");
        JsonNode expired = personalAccessToken("expired", java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1));
        try (Connection db = DriverManager.getConnection(pgUrl + instanceDb, pgUser, pgPassword);
             java.sql.PreparedStatement update = db.prepareStatement(
                     "UPDATE personal_access_tokens SET expires_at = DATE '2020-01-01' WHERE id = ?")) {
            update.setLong(1, expired.path("id").asLong());
            assertThat(update.executeUpdate()).isEqualTo(1);
        }

        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("invalid", "glpat-" + UUID.randomUUID().toString().replace("-", ""));
        tokens.put("expired", expired.path("token").asText());
        tokens.put("revoked", revokedToken);
        tokens.forEach((kind, token) -> {
            for (Map<String, String> credentials : List.of(Map.of("PRIVATE-TOKEN", token),
                    Map.of("Authorization", "Bearer " + token))) {
                String header = credentials.keySet().iterator().next();
                assertUnauthorized(kind + " in " + header + ", completion",
                        running.complete(instance, credentials, "def add(a, b):\n    "));
                assertUnauthorized(kind + " in " + header + ", /api/v4/user",
                        running.get(instance, "/api/v4/user", credentials));
                assertUnauthorized(kind + " in " + header + ", chat", running.post(instance, "/api/v4/chat/completions",
                        credentials, "{\"content\":\"hello\"}"));
            }
        });
    }

    /**
     * token-service README "Rotating the master key": the same at token-service for the signing
     * keys' private halves (both the retired and the signing one, after the rotation above); the
     * new key alone refuses to start naming a key's {@code kid}.
     */
    @Test
    @Order(10)
    void aNewTokenServiceMasterKeyReencryptsTheSigningKeysAtStartUp() throws Exception {
        requireSuite();
        Map<String, String> before = signingKeyCiphertexts();
        assertThat(before).isNotEmpty();
        Map<String, String> old = environment.get(Suite.TOKEN_SERVICE);
        String oldKey = old.get("ENCLAVE_TOKEN_MASTER_KEY");
        String newKey = rand();
        Map<String, String> newKeyOnly = with(old, "ENCLAVE_TOKEN_MASTER_KEY", newKey);
        Map<String, String> rotating = with(newKeyOnly, "ENCLAVE_TOKEN_PREVIOUS_MASTER_KEYS", oldKey);

        running.service(Suite.TOKEN_SERVICE).stop();
        String refused = refusedStart(Suite.TOKEN_SERVICE, "token-service-new-master-key-only", newKeyOnly);
        assertThat(refused).as("the refusal names a signing key and what to set")
                .contains("Cannot read the private key of signing key", "enclave.token.master-key",
                        "enclave.token.previous-master-keys")
                .containsAnyOf(before.keySet().toArray(String[]::new))
                .doesNotContain(newKey).doesNotContain(oldKey);
        assertThat(signingKeyCiphertexts()).as("a refused start writes nothing").isEqualTo(before);

        ServiceProcess rotated = suite.restartProd(options, Suite.TOKEN_SERVICE, rotating);
        Map<String, String> after = signingKeyCiphertexts();
        assertThat(after.keySet()).isEqualTo(before.keySet());
        before.forEach((kid, ciphertext) -> assertThat(after.get(kid)).as(kid + " re-encrypted").isNotEqualTo(ciphertext));
        assertThat(Files.readString(rotated.log()))
                .contains("Re-encrypted " + before.size() + " signing key(s) under the current master key")
                .doesNotContain(newKey).doesNotContain(oldKey);
        // The signing key's private half opens: a new OAuth token is signed by it and accepted.
        String access = compositeIdentityWorks();
        assertThat(kidOf(access)).isEqualTo(signingKid());
        assertCompletionWorks();
        environment.put(Suite.TOKEN_SERVICE, newKeyOnly);
    }

    private Map<String, String> signingKeyCiphertexts() throws SQLException {
        Map<String, String> keys = new java.util.TreeMap<>();
        try (Connection db = DriverManager.getConnection(pgUrl + tokenDb, pgUser, pgPassword);
             Statement sql = db.createStatement();
             java.sql.ResultSet rows = sql.executeQuery("SELECT kid, private_key_encrypted FROM signing_key")) {
            while (rows.next()) {
                keys.put(rows.getString(1), rows.getString(2));
            }
        }
        return keys;
    }

    private String queryOne(String database, String query) throws SQLException {
        try (Connection db = DriverManager.getConnection(pgUrl + database, pgUser, pgPassword);
             Statement sql = db.createStatement();
             java.sql.ResultSet rows = sql.executeQuery(query)) {
            assertThat(rows.next()).as(query).isTrue();
            String value = rows.getString(1);
            assertThat(rows.next()).as(query + ": one row").isFalse();
            return value;
        }
    }

    private long queryLong(String database, String query) throws SQLException {
        return Long.parseLong(queryOne(database, query));
    }

    private static Map<String, String> with(Map<String, String> env, String variable, String value) {
        Map<String, String> copy = new LinkedHashMap<>(env);
        copy.put(variable, value);
        return Map.copyOf(copy);
    }

    /** PUT as the admin on the first replica; returns when its answer arrived. */
    private Instant adminPutAnswered(String path, String json) {
        adminPut(path, json);
        return Instant.now();
    }

    /**
     * Polls {@code call} (on another replica) until it answers {@code expected}. A request sent more
     * than {@code bound} after {@code changed} (when the change's answer arrived) that still answers
     * otherwise fails the test: earlier requests may see the old state. Returns how long after the
     * change the first request was sent that saw the new one.
     */
    private Duration untilApplied(String what, Instant changed, Duration bound, int expected,
                                  java.util.function.Supplier<RunningSuite.Answer> call) throws InterruptedException {
        Instant limit = changed.plus(bound);
        while (true) {
            Instant sent = Instant.now();
            RunningSuite.Answer answer = call.get();
            if (answer.status() == expected) {
                return Duration.between(changed, sent);
            }
            if (!sent.isBefore(limit)) {
                fail(what + ": a request sent " + Duration.between(changed, sent).toMillis() + " ms after the change "
                        + "still answered " + answer.status() + " " + answer.body() + " (documented bound: "
                        + bound.toMillis() + " ms)");
            }
            Thread.sleep(50);
        }
    }

    private long rootId() {
        return running.get(Suite.INSTANCE, "/api/v4/user", admin).json().path("id").asLong();
    }

    /** A personal access token of the admin ({@code api} scope), made through the admin API. */
    private JsonNode personalAccessToken(String name, java.time.LocalDate expiresAt) {
        return created("/api/v4/users/" + rootId() + "/personal_access_tokens", "{\"name\":\"" + name
                + "\",\"scopes\":[\"api\"]" + (expiresAt == null ? "" : ",\"expires_at\":\"" + expiresAt + "\"") + "}");
    }

    private static void assertUnauthorized(String what, RunningSuite.Answer answer) {
        assertThat(answer.status()).as(what + ": " + answer.body()).isEqualTo(401);
        assertThat(answer.json()).as(what).isEqualTo(RunningSuite.JSON.createObjectNode().put("message", "401 Unauthorized"));
        assertThat(answer.header("X-GitLab-Error-Origin")).as(what).isEqualTo("monolith");
    }

    private static String kidOf(String jwt) {
        try {
            return RunningSuite.JSON.readTree(Base64.getUrlDecoder().decode(jwt.substring(0, jwt.indexOf('.'))))
                    .path("kid").asText();
        } catch (IOException e) {
            throw new AssertionError("Not a JWT: " + jwt, e);
        }
    }

    private void requireSuite() {
        assertThat(running).as("the suite did not start (see theOperatorsFirstCompletion)").isNotNull();
    }

    private String signingKid() {
        RunningSuite.Answer keys = running.get(Suite.TOKEN_SERVICE, "/internal/v1/keys", running.instanceClientAuth());
        assertThat(keys.status()).as(keys.body()).isEqualTo(200);
        for (JsonNode key : keys.json()) {
            if (key.path("state").asText().equals("signing")) {
                return key.path("kid").asText();
            }
        }
        throw new AssertionError("No signing key: " + keys.body());
    }

    private List<String> jwksKids() {
        return running.get(Suite.TOKEN_SERVICE, "/oauth/discovery/keys", Map.of()).json().path("keys")
                .findValuesAsText("kid");
    }
}
