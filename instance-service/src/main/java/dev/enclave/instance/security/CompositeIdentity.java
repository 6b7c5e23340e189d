package dev.enclave.instance.security;

import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GitLab's composite identity: a service account with {@code composite_identity_enforced} acts
 * only for one human user, named by exactly one {@code user:<id>} scope on its token, and may do
 * only what both of them may do (see {@link Authorizer}). Any other token of such an account is
 * refused, as is one naming a user who is blocked, a bot or does not exist.
 *
 * <p>The token decides, not only the account's current flag: a token carrying a {@code user:<id>}
 * scope is always checked as composite (both identities must be allowed), even after an admin
 * switched {@code composite_identity_enforced} off, so that switching it off never turns live
 * composite access or refresh tokens into plain service-account tokens (GitLab follows the flag;
 * Enclave keeps the stricter of the two). Such a scope on a token of anything but a service
 * account is refused.
 */
@ApplicationScoped
public class CompositeIdentity {

    private static final Pattern USER_SCOPE = Pattern.compile("user:(\\d+)");

    public Actor apply(User owner, Set<String> scopes, String tokenKind) {
        boolean namesUser = scopes.stream().anyMatch(s -> s.startsWith("user:"));
        if (!namesUser && !(owner.bot && owner.compositeIdentityEnforced)) {
            return new Actor(owner, null, scopes, tokenKind);
        }
        if (!owner.bot) {
            throw ApiException.unauthorized();
        }
        List<String> userScopes = scopes.stream().filter(s -> s.startsWith("user:")).toList();
        if (userScopes.size() != 1) {
            throw ApiException.unauthorized();
        }
        Matcher named = USER_SCOPE.matcher(userScopes.get(0));
        if (!named.matches()) {
            throw ApiException.unauthorized();
        }
        long humanId;
        try {
            humanId = Long.parseLong(named.group(1));
        } catch (NumberFormatException e) {
            throw ApiException.unauthorized();
        }
        User human = activeUser(humanId).orElseThrow(ApiException::unauthorized);
        if (human.bot) {
            throw ApiException.unauthorized();
        }
        return new Actor(owner, human, scopes, tokenKind);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<User> activeUser(long id) {
        return User.<User>findByIdOptional(id).filter(User::isActive);
    }
}
