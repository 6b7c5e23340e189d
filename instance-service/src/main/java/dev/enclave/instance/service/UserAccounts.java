package dev.enclave.instance.service;

import dev.enclave.instance.domain.License;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.security.Actor;
import dev.enclave.instance.security.PersonalAccessTokens;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.util.UUID;
import java.util.regex.Pattern;

/** Users, admins and service accounts (bots that cannot sign in). */
@ApplicationScoped
@Transactional
public class UserAccounts {

    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,254}");

    private final AuditLog audit;
    private final Clock clock;
    private final PersonalAccessTokens tokens;

    public UserAccounts(AuditLog audit, Clock clock, PersonalAccessTokens tokens) {
        this.audit = audit;
        this.clock = clock;
        this.tokens = tokens;
    }

    public User createUser(Actor admin, String username, String name, String email, boolean isAdmin) {
        User user = newUser(username, name, email);
        user.admin = isAdmin;
        user.persist();
        audit.record("user_created", admin, "User", user.id, null);
        return user;
    }

    /** Instance service accounts need Premium or Ultimate, as in GitLab. */
    public User createServiceAccount(Actor admin, String username, String name, String email,
                                     boolean compositeIdentityEnforced) {
        if (!License.current().isPaidTier()) {
            throw ApiException.forbidden("Service accounts require a Premium or Ultimate licence");
        }
        String chosen = username == null || username.isBlank()
                ? "service_account_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16) : username;
        User account = newUser(chosen, name == null || name.isBlank() ? "Service account user" : name, email);
        account.bot = true;
        account.compositeIdentityEnforced = compositeIdentityEnforced;
        account.persist();
        audit.record("service_account_created", admin, "User", account.id,
                compositeIdentityEnforced ? "composite_identity_enforced=true" : null);
        return account;
    }

    public User setCompositeIdentityEnforced(Actor admin, long userId, boolean enforced) {
        User user = find(userId);
        if (!user.bot) {
            throw ApiException.badRequest("composite_identity_enforced applies to service accounts only");
        }
        user.compositeIdentityEnforced = enforced;
        // Cached tokens carry the flag: an enforced account's plain tokens must stop at once.
        tokens.evictUser(user.id);
        audit.record("composite_identity_changed", admin, "User", user.id, "composite_identity_enforced=" + enforced);
        return user;
    }

    public User setState(Actor admin, long userId, String state) {
        User user = find(userId);
        if (user.id.equals(admin.user().id) && User.BLOCKED.equals(state)) {
            throw ApiException.forbidden("You cannot block yourself");
        }
        user.state = state;
        tokens.evictUser(user.id);
        audit.record(User.BLOCKED.equals(state) ? "user_blocked" : "user_unblocked", admin, "User", user.id, null);
        return user;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public User find(long userId) {
        return User.<User>findByIdOptional(userId).orElseThrow(() -> ApiException.notFound("User"));
    }

    private User newUser(String username, String name, String email) {
        if (username == null || username.isBlank()) {
            throw ApiException.badRequest("username is missing");
        }
        if (!USERNAME.matcher(username).matches()) {
            throw ApiException.badRequest("username can contain only letters, digits, '_', '-' and '.', "
                    + "and must start with a letter or digit");
        }
        if (name == null || name.isBlank()) {
            throw ApiException.badRequest("name is missing");
        }
        if (User.findByUsername(username).isPresent()) {
            throw ApiException.conflict("Username has already been taken");
        }
        User user = new User();
        user.username = username;
        user.name = name;
        user.email = email;
        user.state = User.ACTIVE;
        user.createdAt = clock.instant();
        return user;
    }
}
