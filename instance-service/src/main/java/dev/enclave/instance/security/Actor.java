package dev.enclave.instance.security;

import dev.enclave.instance.domain.User;

import java.util.Set;

/**
 * Who a request acts as. {@code user} owns the token; for composite identity it is the service
 * account and {@code scopedUser} the human it acts for, and both must be allowed what it does.
 *
 * @param tokenKind {@code personal_access_token} or {@code oauth}
 */
public record Actor(User user, User scopedUser, Set<String> scopes, String tokenKind) {

    public static final String PAT = "personal_access_token";
    public static final String OAUTH = "oauth";

    public boolean isComposite() {
        return scopedUser != null;
    }

    @Override
    public String toString() {
        return "Actor[user=" + user.id + (scopedUser == null ? "" : ", for=" + scopedUser.id) + ", " + tokenKind + "]";
    }
}
