package dev.enclave.instance.service;

import dev.enclave.instance.domain.License;
import dev.enclave.instance.domain.TopLevelNamespace;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.rest.FieldLimits;
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
    private final TopLevelNamespaces topLevel;

    public UserAccounts(AuditLog audit, Clock clock, PersonalAccessTokens tokens, TopLevelNamespaces topLevel) {
        this.audit = audit;
        this.clock = clock;
        this.tokens = tokens;
        this.topLevel = topLevel;
    }

    public User createUser(Actor admin, String username, String name, String email, boolean isAdmin) {
        User user = newUser(username, name, email);
        user.admin = isAdmin;
        persist(user);
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
        persist(account);
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

    /** The user and its top-level namespace, which no group or other user may hold (any case). */
    private void persist(User user) {
        user.persist();
        topLevel.reserve(user.username, TopLevelNamespace.USER, user.id, UserAccounts::usernameTaken);
    }

    /** As GitLab's {@code POST /users} answers a taken username (a user's or a top-level group's path). */
    private static ApiException usernameTaken() {
        return ApiException.conflict("Username has already been taken");
    }

    private User newUser(String username, String name, String email) {
        if (username == null || username.isBlank()) {
            throw ApiException.badRequest("username is missing");
        }
        FieldLimits.require(username, "username", FieldLimits.NAME);
        FieldLimits.require(name, "name", FieldLimits.NAME);
        FieldLimits.require(email, "email", FieldLimits.EMAIL);
        if (!USERNAME.matcher(username).matches()) {
            throw ApiException.badRequest("username can contain only letters, digits, '_', '-' and '.', "
                    + "and must start with a letter or digit");
        }
        if (name == null || name.isBlank()) {
            throw ApiException.badRequest("name is missing");
        }
        topLevel.requireFree(username, UserAccounts::usernameTaken);
        User user = new User();
        user.username = username;
        user.name = name;
        user.email = email;
        user.state = User.ACTIVE;
        user.createdAt = clock.instant();
        return user;
    }
}
