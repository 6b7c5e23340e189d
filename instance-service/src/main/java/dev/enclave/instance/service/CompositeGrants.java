package dev.enclave.instance.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.instance.client.TokenServiceProxy;
import dev.enclave.instance.domain.License;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.security.Actor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Seed 001: an admin (or the integration) makes an OAuth grant for a service account with
 * composite identity, an application that declared {@code user:*}, and the human it will act
 * for. token-service issues the grant; the audit log records {@code composite_oauth_grant_created}
 * with the human as author and the service account as target. The token comes later, when the
 * code is exchanged at token-service: its {@code composite_oauth_token_created} event comes from
 * token-service's feed ({@link CompositeTokenAudit}), as GitLab writes it when the token is created.
 */
@ApplicationScoped
public class CompositeGrants {

    public record Grant(int status, byte[] body) {
    }

    private final TokenServiceProxy tokenService;
    private final AuditLog audit;
    private final ObjectMapper json;

    public CompositeGrants(TokenServiceProxy tokenService, AuditLog audit, ObjectMapper json) {
        this.tokenService = tokenService;
        this.audit = audit;
        this.json = json;
    }

    public static final String EVENT_NAME = "composite_oauth_grant_created";

    @Transactional
    public Grant create(Actor admin, long serviceAccountId, String applicationId, Long userId, String scopes,
                        String redirectUri) {
        if (!License.current().isPaidTier()) {
            throw ApiException.forbidden("Composite identity requires a Premium or Ultimate licence");
        }
        User account = User.<User>findByIdOptional(serviceAccountId).orElseThrow(() -> ApiException.notFound("User"));
        if (!account.bot || !account.compositeIdentityEnforced) {
            throw ApiException.badRequest("user " + serviceAccountId
                    + " is not a service account with composite_identity_enforced");
        }
        if (userId == null) {
            throw ApiException.badRequest("user_id is missing");
        }
        User human = User.<User>findByIdOptional(userId).orElseThrow(() -> ApiException.notFound("User"));
        if (human.bot || !human.isActive()) {
            throw ApiException.badRequest("user " + userId + " must be an active human user");
        }
        if (applicationId == null || applicationId.isBlank()) {
            throw ApiException.badRequest("application_id is missing");
        }
        String requested = scopes == null || scopes.isBlank() ? "api" : scopes.trim();
        if (requested.matches(".*\\buser:.*")) {
            throw ApiException.badRequest("scopes must not name a user: user_id does");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("application_id", applicationId);
        body.put("resource_owner_id", account.id);
        body.put("scopes", requested + " user:" + human.id);
        body.put("redirect_uri", redirectUri);
        TokenServiceProxy.Answer answer;
        try {
            answer = tokenService.internal("POST", "/internal/v1/grants", "application/json",
                    json.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (answer.status() / 100 == 2) {
            audit.record(EVENT_NAME, human.id, null, "User", account.id,
                    "application_id=" + applicationId + " scopes=" + body.get("scopes") + " granted_by=" + admin.user().id);
        }
        return new Grant(answer.status(), answer.body());
    }
}
