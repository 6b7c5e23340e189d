package dev.enclave.gateway.security;

import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who holds the verified AI token. token-service mints two kinds (both audience
 * {@code gitlab-ai-gateway}): the instance's own token, for the calls the instance makes itself
 * (the indirect path, after its feature routing, limits and audit), and a user-bound token
 * ({@code gitlab_global_user_id}, short-lived) that a user's editor holds for direct access. Only
 * the instance's own token may name the model to call; a user-bound one gets this gateway's own
 * model ({@code dev.enclave.gateway.service.ModelChoice}).
 *
 * @param userBound the token carries {@code gitlab_global_user_id}: a user's direct-access token
 * @param scopes    the token's unit primitives ({@code scopes} claim), e.g. {@code include_file_context}
 */
public record Caller(boolean userBound, Set<String> scopes) {

    static final String USER_CLAIM = "gitlab_global_user_id";

    public Caller {
        scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
    }

    static Caller of(JsonWebToken token) {
        return new Caller(token.containsClaim(USER_CLAIM), scopes(token));
    }

    /** Whether the token carries the unit primitive. */
    public boolean grants(String primitive) {
        return scopes.contains(primitive);
    }

    static Set<String> scopes(JsonWebToken token) {
        Object scopes = token.getClaim("scopes");
        if (!(scopes instanceof Collection<?> granted)) {
            return Set.of();
        }
        return granted.stream().map(String::valueOf).map(s -> s.replace("\"", "")).collect(Collectors.toSet());
    }
}
