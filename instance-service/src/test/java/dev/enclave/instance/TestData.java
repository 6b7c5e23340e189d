package dev.enclave.instance;

import dev.enclave.instance.domain.DuoSeatAssignment;
import dev.enclave.instance.domain.FeatureSetting;
import dev.enclave.instance.domain.License;
import dev.enclave.instance.domain.PersonalAccessToken;
import dev.enclave.instance.domain.SelfHostedModel;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.security.PersonalAccessTokens;
import dev.enclave.instance.service.Licensing;
import dev.enclave.instance.service.SelfHostedModels;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Set;
import java.util.UUID;

/** Builds users, tokens, models and feature settings through the real services. */
@ApplicationScoped
public class TestData {

    private final PersonalAccessTokens tokens;
    private final SelfHostedModels models;
    private final Licensing licensing;

    public TestData(PersonalAccessTokens tokens, SelfHostedModels models, Licensing licensing) {
        this.tokens = tokens;
        this.models = models;
        this.licensing = licensing;
    }

    public User user(String state) {
        return user(state, false);
    }

    public User admin() {
        return user(User.ACTIVE, true);
    }

    public User user(String state, boolean admin) {
        return QuarkusTransaction.requiringNew().call(() -> {
            User user = new User();
            user.username = "user-" + UUID.randomUUID();
            user.name = "Test User";
            user.state = state;
            user.admin = admin;
            user.bot = false;
            user.createdAt = Instant.now();
            user.persist();
            return user;
        });
    }

    public String token(User user, Set<String> scopes, LocalDate expiresAt) {
        return tokens.issue(user, "test", scopes, expiresAt).plaintext();
    }

    /** Ultimate with plenty of Duo Enterprise seats. */
    public void paidLicense() {
        QuarkusTransaction.requiringNew().run(() -> {
            License license = License.current();
            license.tier = License.ULTIMATE;
            license.duoEnterpriseSeats = 1000;
        });
        // Written around the API: drop the cached tier as the API would.
        licensing.invalidate();
    }

    /** A paid licence with plenty of seats, and a seat for this user. */
    public void giveDuoSeat(User user) {
        paidLicense();
        QuarkusTransaction.requiringNew().run(() -> {
            if (DuoSeatAssignment.findById(user.id) == null) {
                DuoSeatAssignment seat = new DuoSeatAssignment();
                seat.userId = user.id;
                seat.assignedAt = Instant.now();
                seat.persist();
            }
        });
        licensing.invalidate();
    }

    public String token(Set<String> scopes) {
        return token(user(User.ACTIVE), scopes, LocalDate.now().plusDays(30));
    }

    public void revokeAll(User user) {
        QuarkusTransaction.requiringNew().run(() ->
                PersonalAccessToken.update("revoked = true where user.id = ?1", user.id));
        tokens.evictUser(user.id);
    }

    public SelfHostedModel model(String apiKey) {
        return models.create("model-" + UUID.randomUUID(), "codestral", "http://127.0.0.1:8000/v1",
                "custom_openai/codestral-22b", apiKey);
    }

    public void route(String feature, SelfHostedModel model) {
        models.routeToSelfHosted(feature, model);
    }

    public void disable(String feature) {
        QuarkusTransaction.requiringNew().run(() -> {
            FeatureSetting setting = FeatureSetting.findByFeature(feature).orElseGet(FeatureSetting::new);
            setting.feature = feature;
            setting.provider = FeatureSetting.DISABLED;
            setting.selfHostedModel = null;
            setting.updatedAt = Instant.now();
            setting.persist();
        });
    }

    public String storedCiphertext(long modelId) {
        return QuarkusTransaction.requiringNew().call(() -> ((SelfHostedModel) SelfHostedModel.findById(modelId))
                .apiTokenEncrypted);
    }
}
