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
 * at token-service leaves completions (and tokens signed by the new key) working.
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
        ServiceProcess process = Suite.prodService(options, service, service + "-without-" + missing, env);
        try {
            process.start(START);
            fail(service + " started in prod without " + missing);
        } catch (IllegalStateException expected) {
            assertThat(expected.getMessage()).as(service + " without " + missing).contains("exited with code");
        } finally {
            process.stop();
        }
        assertThat(process.exitCode()).isPresent();
        assertThat(process.exitCode().getAsInt()).as(service + " exit code").isNotZero();
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
