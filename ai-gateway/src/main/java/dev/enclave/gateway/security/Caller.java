package dev.enclave.gateway.security;

import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Who holds the verified AI token. token-service mints two kinds (both audience
 * {@code gitlab-ai-gateway}): the instance's own token, for the calls the instance makes itself
 * (the indirect path, after its feature routing, limits and audit), and a user-bound token
 * ({@code gitlab_global_user_id}, short-lived) that a user's editor holds for direct access. Only
 * the instance's own token may name the model to call; a user-bound one gets this gateway's own
 * model ({@code dev.enclave.gateway.service.ModelChoice}).
 *
 * @param userBound the token carries {@code gitlab_global_user_id}: a user's direct-access token
 */
public record Caller(boolean userBound) {

    static final String USER_CLAIM = "gitlab_global_user_id";

    static Caller of(JsonWebToken token) {
        return new Caller(token.containsClaim(USER_CLAIM));
    }
}
