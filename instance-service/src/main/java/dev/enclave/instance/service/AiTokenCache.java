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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Self-issued AI tokens, one per scope set, kept until shortly before they expire so that the
 * request path does not call token-service in steady state. If token-service is down when a
 * token is due for renewal, the cached token is used for as long as it is still valid.
 * <p>
 * Callers are worker threads (the blocking part of a request, before the non-blocking gateway
 * call). There is no global lock: a valid cached token is returned without waiting; when one is
 * due for renewal, one caller per scope set renews it while the others keep using the still-valid
 * one; only when no valid token exists do callers wait, for that single mint of their scope set.
 */
@ApplicationScoped
public class AiTokenCache {

    private static final Logger LOG = Logger.getLogger(AiTokenCache.class);

    private final TokenServiceClient tokenService;
    private final InstanceIdentityService identity;
    private final InstanceConfig config;
    private final Clock clock;
    private final Map<String, TokenServiceClient.AiToken> tokens = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<TokenServiceClient.AiToken>> minting = new ConcurrentHashMap<>();

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
        boolean stillValid = cached != null && now.isBefore(cached.expiresAt());
        CompletableFuture<TokenServiceClient.AiToken> mine = new CompletableFuture<>();
        CompletableFuture<TokenServiceClient.AiToken> running = minting.putIfAbsent(key, mine);
        if (running != null) {
            return stillValid ? cached : await(running);
        }
        try {
            TokenServiceClient.AiToken latest = tokens.get(key);
            if (latest != null && latest != cached
                    && clock.instant().isBefore(latest.expiresAt().minus(config.aiTokenRenewBefore()))) {
                mine.complete(latest);
                return latest;
            }
            TokenServiceClient.AiToken fresh = tokenService.mintAiToken(identity.instanceId(),
                    List.copyOf(new TreeSet<>(scopes)));
            tokens.put(key, fresh);
            mine.complete(fresh);
            return fresh;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            if (e instanceof TokenServiceClient.TokenServiceException && stillValid) {
                LOG.warnf("Renewing the AI token failed (%s); using the cached one until %s",
                        e.getMessage(), cached.expiresAt());
                return cached;
            }
            throw e;
        } finally {
            minting.remove(key, mine);
        }
    }

    private static TokenServiceClient.AiToken await(CompletableFuture<TokenServiceClient.AiToken> running) {
        try {
            return running.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }
}
