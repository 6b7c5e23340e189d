package dev.enclave.instance.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.client.TokenServiceProxy;
import dev.enclave.instance.domain.License;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Composite identity without a grant (issue 14): an admin mints a composite-enforced service
 * account's access and refresh token for one human user, named by the single {@code user:<id>}
 * in the scopes. This checks what only the instance knows (the licence, the service account, the
 * human) and token-service checks the application and the scopes and mints. The audit event
 * {@code composite_oauth_token_created} comes from token-service's feed ({@link CompositeTokenAudit}),
 * like those of tokens created at {@code /oauth/token}; it is caught up at once after the mint.
 */
@ApplicationScoped
public class CompositeTokens {

    private static final Logger LOG = Logger.getLogger(CompositeTokens.class);
    private static final Pattern USER_SCOPE = Pattern.compile("user:[1-9][0-9]{0,18}");

    /** @param body token-service's answer: {@code {access_token, token_type, expires_in, refresh_token, scope, created_at}} */
    public record Minted(byte[] body) {
    }

    private final TokenServiceProxy tokenService;
    private final CompositeTokenAudit audit;
    private final ObjectMapper json;

    public CompositeTokens(TokenServiceProxy tokenService, CompositeTokenAudit audit, ObjectMapper json) {
        this.tokenService = tokenService;
        this.audit = audit;
        this.json = json;
    }

    public Minted mint(long serviceAccountId, String applicationId, String scopes) {
        // The checks read the database; the call to token-service is made after, outside the transaction.
        String checkedScopes = QuarkusTransaction.requiringNew().call(() -> check(serviceAccountId, applicationId, scopes));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("application_id", applicationId);
        body.put("resource_owner_id", serviceAccountId);
        body.put("scopes", checkedScopes);
        TokenServiceProxy.Answer answer;
        try {
            answer = tokenService.internal("POST", "/internal/v1/composite-tokens", "application/json",
                    json.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot write the composite token request", e);
        }
        if (answer.status() == 201) {
            catchUpAudit();
            return new Minted(answer.body());
        }
        throw refusal(answer);
    }

    /** @return the scopes, normalised; every refusal is an {@link ApiException} */
    private String check(long serviceAccountId, String applicationId, String scopes) {
        if (!License.current().isPaidTier()) {
            throw ApiException.forbidden("Composite identity requires a Premium or Ultimate licence");
        }
        User account = User.<User>findByIdOptional(serviceAccountId).filter(u -> u.bot)
                .orElseThrow(() -> ApiException.notFound("Service account"));
        if (!account.compositeIdentityEnforced) {
            throw ApiException.badRequest("service account " + serviceAccountId
                    + " does not have composite_identity_enforced");
        }
        if (applicationId == null || applicationId.isBlank()) {
            throw ApiException.badRequest("application_id is missing");
        }
        if (scopes == null || scopes.isBlank()) {
            throw ApiException.badRequest("scopes is missing");
        }
        List<String> parsed = Arrays.stream(scopes.trim().split("\\s+")).distinct().toList();
        List<String> userScopes = parsed.stream().filter(s -> s.startsWith("user:")).toList();
        if (userScopes.size() != 1 || !USER_SCOPE.matcher(userScopes.get(0)).matches()) {
            throw ApiException.badRequest("scopes must name exactly one user:<id>, the user the service account acts "
                    + "for; got " + (userScopes.isEmpty() ? "none" : String.join(", ", userScopes)));
        }
        long humanId;
        try {
            humanId = Long.parseLong(userScopes.get(0).substring("user:".length()));
        } catch (NumberFormatException e) {
            throw ApiException.notFound("User");
        }
        User human = User.<User>findByIdOptional(humanId).orElseThrow(() -> ApiException.notFound("User"));
        if (human.bot || !human.isActive()) {
            throw ApiException.badRequest("user " + humanId + " must be an active human user");
        }
        return String.join(" ", parsed);
    }

    /** token-service's refusal in GitLab's shapes: an unknown application is 404, a scope it refuses 400. */
    private RuntimeException refusal(TokenServiceProxy.Answer answer) {
        String description = "";
        try {
            JsonNode error = json.readTree(answer.body());
            description = error.path("error_description").asText("");
        } catch (IOException e) {
            // described by the status alone
        }
        if (answer.status() == 404) {
            return ApiException.notFound("Application");
        }
        if (answer.status() == 400) {
            return ApiException.badRequest(description.isBlank() ? "token-service refused the scopes" : description);
        }
        if (answer.status() >= 500) {
            return new TokenServiceClient.TokenServiceUnavailableException("token-service answered " + answer.status()
                    + " to the composite token request");
        }
        // 401 and the like: token-service refuses this instance itself (its client credentials).
        LOG.warnf("token-service refused the composite token request: %d %s", answer.status(), description);
        return new TokenServiceClient.TokenServiceRefusedException("token-service refused the composite token request");
    }

    /** Best effort: the scheduled poll records the event anyway if token-service cannot be read now. */
    private void catchUpAudit() {
        try {
            audit.catchUp();
        } catch (TokenServiceClient.TokenServiceException e) {
            LOG.debugf("The composite token's audit event waits for the next poll: %s", e.getMessage());
        }
    }
}
