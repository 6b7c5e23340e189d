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
 * refused, as is one naming a user who is blocked or does not exist.
 */
@ApplicationScoped
public class CompositeIdentity {

    private static final Pattern USER_SCOPE = Pattern.compile("user:(\\d+)");

    public Actor apply(User owner, Set<String> scopes, String tokenKind) {
        if (!(owner.bot && owner.compositeIdentityEnforced)) {
            return new Actor(owner, null, scopes, tokenKind);
        }
        List<Long> named = scopes.stream().map(USER_SCOPE::matcher).filter(Matcher::matches)
                .map(m -> Long.parseLong(m.group(1))).toList();
        if (named.size() != 1) {
            throw ApiException.unauthorized();
        }
        User human = activeUser(named.get(0)).orElseThrow(ApiException::unauthorized);
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
