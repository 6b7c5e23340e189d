package dev.enclave.instance.service;

import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.domain.DuoSeatAssignment;
import dev.enclave.instance.domain.License;
import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.domain.TopLevelNamespace;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.security.PersonalAccessTokens;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Set;

/**
 * First start of a local run: what a new user needs to try the suite. An Ultimate licence with
 * ten Duo Enterprise seats, an admin ({@code root}) holding one, with a personal access token written to a file only the owner can read, a self-hosted model
 * at the simulator, and code completions and generations routed to it. Runs only on an empty
 * database, all in one transaction: a failure leaves nothing behind.
 */
@ApplicationScoped
public class LocalSeeder {

    private static final Logger LOG = Logger.getLogger(LocalSeeder.class);
    static final String MODEL_NAME = "local-codestral";

    private final InstanceConfig config;
    private final PersonalAccessTokens tokens;
    private final SelfHostedModels models;
    private final Clock clock;

    public LocalSeeder(InstanceConfig config, PersonalAccessTokens tokens, SelfHostedModels models, Clock clock) {
        this.config = config;
        this.tokens = tokens;
        this.models = models;
        this.clock = clock;
    }

    void onStart(@Observes @Priority(10) StartupEvent event) {
        if (config.seed().enabled()) {
            seedIfEmpty();
        }
    }

    @Transactional
    void seedIfEmpty() {
        if (User.count() > 0) {
            return;
        }
        InstanceConfig.Seed seed = config.seed();
        User admin = new User();
        admin.username = "root";
        admin.name = "Administrator";
        admin.email = "admin@localhost";
        admin.state = User.ACTIVE;
        admin.admin = true;
        admin.bot = false;
        admin.createdAt = clock.instant();
        admin.persist();
        TopLevelNamespace namespace = new TopLevelNamespace();
        namespace.pathKey = TopLevelNamespace.key(admin.username);
        namespace.kind = TopLevelNamespace.USER;
        namespace.ownerId = admin.id;
        namespace.persist();

        License license = License.current();
        license.tier = License.ULTIMATE;
        license.duoEnterpriseSeats = 10;
        license.updatedAt = clock.instant();
        DuoSeatAssignment seat = new DuoSeatAssignment();
        seat.userId = admin.id;
        seat.assignedAt = clock.instant();
        seat.persist();

        LocalDate expiry = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).plusDays(365);
        PersonalAccessTokens.Issued pat = tokens.issue(admin, "local-quick-start", Set.of("api", "ai_features"), expiry);

        SelfHostedModel model = models.create(MODEL_NAME, seed.modelFamily(), seed.modelEndpoint(),
                seed.modelIdentifier(), seed.modelApiKey().orElse(null));
        models.routeToSelfHosted("code_completions", model);
        models.routeToSelfHosted("code_generations", model);

        writeTokenFile(seed.tokenFile(), pat.plaintext());
        LOG.infof("Seeded the local instance: admin 'root', model '%s' at %s for code_completions and "
                + "code_generations. The admin's personal access token is in %s", MODEL_NAME, seed.modelEndpoint(),
                seed.tokenFile().toAbsolutePath());
    }

    private static void writeTokenFile(Path file, String token) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, "admin-token", ".tmp");
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                LOG.debugf("No POSIX permissions on %s", parent);
            }
            Files.writeString(temp, token + System.lineSeparator(), StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the admin token file " + file.toAbsolutePath(), e);
        }
    }
}
