package dev.enclave.instance.security;

import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import jakarta.enterprise.context.RequestScoped;

/** Who is calling, once {@link TokenAuthenticationFilter} has checked the token. */
@RequestScoped
public class CurrentUser {

    private Actor actor;

    void authenticate(Actor actor) {
        this.actor = actor;
    }

    public Actor actor() {
        if (actor == null) {
            throw ApiException.unauthorized();
        }
        return actor;
    }

    /** The token's owner (for composite identity: the service account). */
    public User require() {
        return actor().user();
    }

    /** GitLab answers non-admins on admin endpoints with 403. */
    public User requireAdmin() {
        Actor current = actor();
        if (!current.user().admin || current.isComposite()) {
            throw ApiException.forbidden(null);
        }
        return current.user();
    }
}
