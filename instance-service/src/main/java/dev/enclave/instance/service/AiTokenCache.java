package dev.enclave.instance.service;

import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.config.InstanceConfig;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Self-issued AI tokens, one per scope set, so that the request path does not call token-service
 * in steady state.
 * <p>
 * Requests never wait while a valid token is cached: a token that entered its renewal window
 * ({@code ai-token-renew-before} before expiry) is handed out as it is, and its renewal runs in the
 * background (triggered by that request, and by a periodic sweep for tokens nobody asked for
 * lately). Only when no valid token exists do requests wait, all of them for the one mint of
 * their scope set. There is no lock that requests wait on otherwise.
 * <p>
 * This service owns the timeout and the fallback of a mint ({@link #mint}); the client wrapper
 * owns retry and circuit breaker. The fallback is the still-valid cached token: while
 * token-service is down or its breaker open, requests keep using it until it really expires.
 */
@ApplicationScoped
public class AiTokenCache {

    private static final Logger LOG = Logger.getLogger(AiTokenCache.class);

    private final TokenServiceClient tokenService;
    private final InstanceIdentityService identity;
    private final InstanceConfig config;
    private final Clock clock;
    private final Map<String, TokenServiceClient.AiToken> tokens = new ConcurrentHashMap<>();
    /** The one mint in progress per scope set; requests without a valid token join it. */
    private final Map<String, CompletableFuture<TokenServiceClient.AiToken>> minting = new ConcurrentHashMap<>();
    /** Scope sets whose renewal is failing, so that the change (not every attempt) is logged. */
    private final Map<String, Boolean> failing = new ConcurrentHashMap<>();
    /**
     * Mints run here, never on a request's thread: at most one task per scope set (the instance
     * uses a handful), so the pool stays as small as the set of scope sets.
     */
    private final ExecutorService renewals = Executors.newCachedThreadPool(new java.util.concurrent.ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "ai-token-renewal-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    });

    /** {@code enclave_ai_token_mints_total{outcome}}: success, or failure (the fallback's cached token or none). */
    private final Counter minted;
    private final Counter mintFailed;

    public AiTokenCache(TokenServiceClient tokenService, InstanceIdentityService identity, InstanceConfig config,
                        Clock clock, MeterRegistry registry) {
        this.minted = mints(registry, "success");
        this.mintFailed = mints(registry, "failure");
        this.tokenService = tokenService;
        this.identity = identity;
        this.config = config;
        this.clock = clock;
    }

    private static Counter mints(MeterRegistry registry, String outcome) {
        return Counter.builder("enclave.ai.token.mints").description("AI tokens minted by token-service for this instance")
                .tag("outcome", outcome).register(registry);
    }

    @PreDestroy
    void stop() {
        renewals.shutdownNow();
    }

    /** Forgets every cached token; the next request mints afresh. */
    public void invalidateAll() {
        tokens.clear();
    }

    /**
     * A valid token for the scope set: the cached one without waiting (starting its renewal in the
     * background when it is due), or, when none is valid, the result of the one mint in progress.
     */
    public TokenServiceClient.AiToken tokenFor(List<String> scopes) {
        List<String> sorted = List.copyOf(new TreeSet<>(scopes));
        String key = String.join(" ", sorted);
        TokenServiceClient.AiToken cached = tokens.get(key);
        Instant now = clock.instant();
        if (cached != null && now.isBefore(cached.expiresAt())) {
            if (!now.isBefore(renewalDue(cached))) {
                renewInBackground(key, sorted);
            }
            return cached;
        }
        return await(renewInBackground(key, sorted));
    }

    /** Starts the renewal of every cached token that entered its renewal window. */
    @Scheduled(every = "${enclave.instance.ai-token.renew-check-interval}", delayed = "${enclave.instance.ai-token.renew-check-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void renewDueTokens() {
        Instant now = clock.instant();
        tokens.forEach((key, token) -> {
            if (!now.isBefore(renewalDue(token))) {
                renewInBackground(key, Arrays.asList(key.split(" ")));
            }
        });
    }

    private Instant renewalDue(TokenServiceClient.AiToken token) {
        return token.expiresAt().minus(config.aiTokenRenewBefore());
    }

    /** The mint in progress for the scope set, or a new one on the renewal pool. */
    private CompletableFuture<TokenServiceClient.AiToken> renewInBackground(String key, List<String> scopes) {
        CompletableFuture<TokenServiceClient.AiToken> mine = new CompletableFuture<>();
        CompletableFuture<TokenServiceClient.AiToken> running = minting.putIfAbsent(key, mine);
        if (running != null) {
            return running;
        }
        try {
            // the mint is part of the trace of the request that started it
            renewals.execute(io.opentelemetry.context.Context.current().wrap(() -> {
                try {
                    TokenServiceClient.AiToken token = mint(key, scopes);
                    minting.remove(key, mine);
                    mine.complete(token);
                } catch (Throwable e) {
                    minting.remove(key, mine);
                    mine.completeExceptionally(e);
                    LOG.debugf("AI token mint for [%s] failed: %s", key, e.getMessage());
                }
            }));
        } catch (RejectedExecutionException e) {
            minting.remove(key, mine);
            mine.completeExceptionally(new TokenServiceClient.TokenServiceUnavailableException(
                    "the instance is shutting down"));
        }
        return mine;
    }

    /**
     * One mint, bounded as a whole (retries included) by {@code enclave.instance.ai-token.mint.timeout-ms};
     * token-service unavailable, no answer in time or its breaker open: the fallback. A refusal
     * (4xx) is passed on as it is. Called on the renewal pool only (through the bean, so that the
     * fault tolerance interceptor applies).
     */
    @Timeout(8000)
    @Fallback(fallbackMethod = "stillValidToken", skipOn = TokenServiceClient.TokenServiceRefusedException.class)
    TokenServiceClient.AiToken mint(String key, List<String> scopes) {
        TokenServiceClient.AiToken fresh;
        try {
            fresh = tokenService.mintAiToken(identity.instanceId(), scopes, null);
        } catch (RuntimeException e) {
            mintFailed.increment();
            throw e;
        }
        minted.increment();
        tokens.put(key, fresh);
        if (failing.remove(key) != null) {
            LOG.infof("AI token renewal for [%s] works again", key);
        }
        return fresh;
    }

    /**
     * The answer to an AI request that has no token: 503 with the reason; when token-service was
     * unavailable (not when it refused the instance), with {@code Retry-After} = the mint circuit
     * breaker's delay, after which a new attempt is let through.
     */
    public dev.enclave.instance.rest.ApiException unavailable(TokenServiceClient.TokenServiceException e) {
        Long retryAfter = e instanceof TokenServiceClient.TokenServiceUnavailableException
                ? (config.aiToken().mint().circuitBreaker().delayMs() + 999) / 1000 : null;
        return dev.enclave.instance.rest.ApiException.unavailable(e.getMessage(), retryAfter);
    }

    /** The fallback: the cached token while it is still valid; otherwise token-service is unavailable. */
    TokenServiceClient.AiToken stillValidToken(String key, List<String> scopes) {
        TokenServiceClient.AiToken cached = tokens.get(key);
        boolean valid = cached != null && clock.instant().isBefore(cached.expiresAt());
        if (failing.put(key, Boolean.TRUE) == null) {
            if (valid) {
                LOG.warnf("Cannot renew the AI token for [%s] (token-service unavailable); using the cached one "
                        + "until it expires at %s", key, cached.expiresAt());
            } else {
                LOG.errorf("Cannot obtain an AI token for [%s]: token-service unavailable", key);
            }
        }
        if (valid) {
            return cached;
        }
        throw new TokenServiceClient.TokenServiceUnavailableException(
                "token-service is unavailable; cannot obtain an AI gateway token");
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
