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

    public Set<String> scopes() {
        return scopes;
    }
}
