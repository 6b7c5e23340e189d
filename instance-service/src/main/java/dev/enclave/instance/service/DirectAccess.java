package dev.enclave.instance.service;

import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Map;

/**
 * Direct access: the editor gets a short-lived token bound to its user and calls the gateway
 * itself. Only for features that go to the cloud gateway: a self-hosted model's endpoint and key
 * never leave the instance, so self-hosted features are always served through it.
 */
@ApplicationScoped
public class DirectAccess {

    /** {@code modelDetails}: GitLab's {@code model_details} of the cloud gateway's model, null when unknown. */
    public record Grant(String baseUrl, String token, long expiresAt, Map<String, String> headers,
                        Map<String, String> modelDetails) {
        @Override
        public String toString() {
            return "Grant[baseUrl=" + baseUrl + ", expiresAt=" + expiresAt + "]";
        }
    }

    private final AiSettingsService settings;
    private final FeatureRouter router;
    private final Licensing licensing;
    private final RateLimiter rateLimiter;
    private final TokenServiceClient tokenService;
    private final InstanceIdentityService identity;
    private final GatewayHeaders headers;
    private final dev.enclave.instance.config.InstanceConfig config;

    public DirectAccess(AiSettingsService settings, FeatureRouter router, Licensing licensing, RateLimiter rateLimiter,
                        TokenServiceClient tokenService, InstanceIdentityService identity, GatewayHeaders headers,
                        dev.enclave.instance.config.InstanceConfig config) {
        this.config = config;
        this.settings = settings;
        this.router = router;
        this.licensing = licensing;
        this.rateLimiter = rateLimiter;
        this.tokenService = tokenService;
        this.identity = identity;
        this.headers = headers;
    }

    /**
     * {@code POST /code_suggestions/direct_access}: the policy below, then a user-bound token with
     * the cloud gateway's URL and the headers to send it.
     */
    public Grant grant(User user) {
        String baseUrl = checkPolicy(user);
        TokenServiceClient.AiToken token = mint(user);
        return new Grant(baseUrl, token.token(), token.expiresAt().getEpochSecond(), headers.identityHeaders(user),
                modelDetails());
    }

    /**
     * {@code {model_provider, model_name}} of the model the cloud gateway serves code suggestions with,
     * as configured ({@code enclave.instance.cloud-model.*}); null when none is, so that the answer
     * omits it as GitLab's does when empty.
     */
    private Map<String, String> modelDetails() {
        Map<String, String> details = new java.util.LinkedHashMap<>();
        config.cloudModel().provider().filter(p -> !p.isBlank()).ifPresent(p -> details.put("model_provider", p));
        config.cloudModel().name().filter(n -> !n.isBlank()).ifPresent(n -> details.put("model_name", n));
        return details.isEmpty() ? null : details;
    }

    /**
     * {@code POST /code_suggestions/tokens} (older clients): the same user-bound token as direct
     * access, under the same policy (one shared rate limit, the admin's switch, cloud-routed
     * features only), since it opens the same door.
     */
    public TokenServiceClient.AiToken userToken(User user) {
        checkPolicy(user);
        return mint(user);
    }

    /**
     * What both endpoints check, in GitLab's order: the per-user throttle (one bucket for both
     * endpoints), licence and seat, the admin's {@code duo_direct_access_enabled}, and the routing of
     * {@code code_completions} (disabled: 401; self-hosted: 403, since a self-hosted model's endpoint
     * and key never leave the instance). Returns the cloud gateway's URL.
     */
    private String checkPolicy(User user) {
        long retryAfter = rateLimiter.acquire(RateLimiter.Bucket.DIRECT_ACCESS, user.id);
        if (retryAfter > 0) {
            throw ApiException.tooManyRequests(retryAfter);
        }
        if (!licensing.mayUseDuo(user)) {
            throw ApiException.unauthorized();
        }
        if (!settings.current().directAccessEnabled()) {
            throw ApiException.forbidden("Direct connections are disabled");
        }
        FeatureRouter.Route route = router.route("code_completions");
        if (route instanceof FeatureRouter.Route.Disabled) {
            throw ApiException.unauthorized();
        }
        if (route instanceof FeatureRouter.Route.SelfHosted) {
            throw ApiException.forbidden("Direct connections are not available for self-hosted models");
        }
        return ((FeatureRouter.Route.Vendored) route).requireGatewayUrl();
    }

    private TokenServiceClient.AiToken mint(User user) {
        try {
            // the editor sends its open tabs and snippets straight to the gateway, which uses them
            // only with these unit primitives (as for the instance's own completions)
            return tokenService.mintAiToken(identity.instanceId(), List.of("complete_code", "generate_code",
                    "include_file_context", "include_snippet_context"), headers.globalUserId(user));
        } catch (TokenServiceClient.TokenServiceException e) {
            throw ApiException.unavailable(e.getMessage());
        } catch (org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException e) {
            long delay = config.aiToken().mint().circuitBreaker().delayMs();
            throw ApiException.unavailable("token-service is unavailable after repeated failures; retry in "
                    + dev.enclave.instance.client.TokenServiceProxy.seconds(delay), (delay + 999) / 1000);
        }
    }
}
