package dev.enclave.instance.service;

import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.config.InstanceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Self-issued AI tokens, one per scope set, kept until shortly before they expire so that the
 * request path does not call token-service in steady state. If token-service is down when a
 * token is due for renewal, the cached token is used for as long as it is still valid.
 */
@ApplicationScoped
public class AiTokenCache {

    private static final Logger LOG = Logger.getLogger(AiTokenCache.class);

    private final TokenServiceClient tokenService;
    private final InstanceIdentityService identity;
    private final InstanceConfig config;
    private final Clock clock;
    private final Map<String, TokenServiceClient.AiToken> tokens = new ConcurrentHashMap<>();

    public AiTokenCache(TokenServiceClient tokenService, InstanceIdentityService identity, InstanceConfig config,
                        Clock clock) {
        this.tokenService = tokenService;
        this.identity = identity;
        this.config = config;
        this.clock = clock;
    }

    /** Forgets every cached token; the next request mints afresh. */
    public void invalidateAll() {
        tokens.clear();
    }

    public TokenServiceClient.AiToken tokenFor(List<String> scopes) {
        String key = String.join(" ", new TreeSet<>(scopes));
        TokenServiceClient.AiToken cached = tokens.get(key);
        Instant now = clock.instant();
        if (cached != null && now.isBefore(cached.expiresAt().minus(config.aiTokenRenewBefore()))) {
            return cached;
        }
        synchronized (this) {
            cached = tokens.get(key);
            if (cached != null && now.isBefore(cached.expiresAt().minus(config.aiTokenRenewBefore()))) {
                return cached;
            }
            try {
                TokenServiceClient.AiToken fresh = tokenService.mintAiToken(identity.instanceId(),
                        List.copyOf(new TreeSet<>(scopes)));
                tokens.put(key, fresh);
                return fresh;
            } catch (TokenServiceClient.TokenServiceException e) {
                if (cached != null && now.isBefore(cached.expiresAt())) {
                    LOG.warnf("Renewing the AI token failed (%s); using the cached one until %s",
                            e.getMessage(), cached.expiresAt());
                    return cached;
                }
                throw e;
            }
        }
    }
}
