package dev.enclave.instance.security;

import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import jakarta.enterprise.context.RequestScoped;

import java.util.Set;

/** Who is calling, once {@link TokenAuthenticationFilter} has checked the token. */
@RequestScoped
public class CurrentUser {

    private User user;
    private Set<String> scopes = Set.of();

    void authenticate(User user, Set<String> scopes) {
        this.user = user;
        this.scopes = scopes;
    }

    public User require() {
        if (user == null) {
            throw ApiException.unauthorized();
        }
        return user;
    }

    /** GitLab answers non-admins on admin endpoints with 403. */
    public User requireAdmin() {
        User current = require();
        if (!current.admin) {
            throw ApiException.forbidden(null);
        }
        return current;
    }

    public Set<String> scopes() {
        return scopes;
    }
}
