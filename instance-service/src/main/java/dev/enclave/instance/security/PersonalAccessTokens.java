package dev.enclave.instance.security;

import dev.enclave.instance.domain.PersonalAccessToken;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.rest.FieldLimits;
import dev.enclave.instance.service.AfterCommit;
import dev.enclave.instance.service.ReplicaEvictions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issues {@code glpat-} tokens (shown once, stored as a digest) and resolves presented ones.
 * Resolved tokens are kept in memory for {@code enclave.instance.pat-cache-ttl}, keyed by the
 * digest (never the token): revoking a token or blocking its owner through this replica evicts
 * at once, an expired token is refused on the day after its last day, and other replicas follow
 * within the TTL.
 */
@ApplicationScoped
public class PersonalAccessTokens {

    public static final String PREFIX = "glpat-";
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
    private static final int RANDOM_CHARS = 32;

    public record Issued(PersonalAccessToken token, String plaintext) {
        @Override
        public String toString() {
            return "Issued[id=" + token.id + "]";
        }
    }

    /** What the request path needs of a token and its owner, copied out of the persistence context. */
    private record Snapshot(long id, String name, String scopes, LocalDate expiresAt, Instant createdAt,
                            Instant lastUsedAt, long userId, String username, String userName, String email,
                            String state, boolean admin, boolean bot, boolean compositeIdentityEnforced,
                            Instant userCreatedAt) {

        static Snapshot of(PersonalAccessToken t) {
            User u = t.user;
            return new Snapshot(t.id, t.name, t.scopes, t.expiresAt, t.createdAt, t.lastUsedAt, u.id, u.username,
                    u.name, u.email, u.state, u.admin, u.bot, u.compositeIdentityEnforced, u.createdAt);
        }

        /** A fresh detached copy per request, so that no request sees another's changes to it. */
        PersonalAccessToken materialize() {
            User user = new User();
            user.id = userId;
            user.username = username;
            user.name = userName;
            user.email = email;
            user.state = state;
            user.admin = admin;
            user.bot = bot;
            user.compositeIdentityEnforced = compositeIdentityEnforced;
            user.createdAt = userCreatedAt;
            PersonalAccessToken token = new PersonalAccessToken();
            token.id = id;
            token.user = user;
            token.name = name;
            token.scopes = scopes;
            token.expiresAt = expiresAt;
            token.revoked = false;
            token.createdAt = createdAt;
            token.lastUsedAt = lastUsedAt;
            return token;
        }
    }

    private record Cached(Snapshot token, long untilMillis) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final AfterCommit afterCommit;
    private final long cacheTtlMillis;
    private final int cacheMaxSize;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /** Bumped on every eviction: a lookup that raced with one does not cache what it read. */
    private final AtomicLong evictions = new AtomicLong();

    private final ReplicaEvictions replicas;

    public PersonalAccessTokens(Clock clock, InstanceConfig config, AfterCommit afterCommit, ReplicaEvictions replicas) {
        this.clock = clock;
        this.afterCommit = afterCommit;
        this.replicas = replicas;
        this.cacheTtlMillis = config.patCacheTtl().toMillis();
        this.cacheMaxSize = config.patCacheMaxSize();
        replicas.onMessage(this::evictedElsewhere);
    }

    /** Another replica (or this one) revoked a token or changed a user: {@code token:<id>}, {@code user:<id>}. */
    private void evictedElsewhere(String message) {
        int colon = message.indexOf(':');
        if (colon < 0) {
            return;
        }
        long id;
        try {
            id = Long.parseLong(message.substring(colon + 1));
        } catch (NumberFormatException e) {
            return;
        }
        switch (message.substring(0, colon)) {
            case "token" -> {
                evictions.incrementAndGet();
                cache.values().removeIf(c -> c.token().id() == id);
            }
            case "user" -> {
                evictions.incrementAndGet();
                cache.values().removeIf(c -> c.token().userId() == id);
            }
            default -> {
            }
        }
    }

    /** Scopes a personal access token may carry. */
    public static final Set<String> SCOPES = Set.of("api", "read_api", "read_user", "ai_features");
    /** GitLab's longest personal access token lifetime. */
    public static final int MAX_LIFETIME_DAYS = 365;

    /** Validates as GitLab does (400 naming the problem), then issues. */
    @Transactional
    public Issued issueChecked(User user, String name, java.util.List<String> scopes, LocalDate expiresAt) {
        if (name == null || name.isBlank()) {
            throw ApiException.badRequest("name is missing");
        }
        FieldLimits.require(name, "name", FieldLimits.NAME);
        if (scopes == null || scopes.isEmpty()) {
            throw ApiException.badRequest("scopes is missing");
        }
        java.util.List<String> unknown = scopes.stream().filter(s -> !SCOPES.contains(s)).toList();
        if (!unknown.isEmpty()) {
            throw ApiException.badRequest("scopes does not have a valid value: " + String.join(", ", unknown)
                    + " (allowed: api, read_api, read_user, ai_features)");
        }
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate expiry = expiresAt == null ? today.plusDays(MAX_LIFETIME_DAYS) : expiresAt;
        if (!expiry.isAfter(today)) {
            throw ApiException.badRequest("expires_at must be in the future");
        }
        if (expiry.isAfter(today.plusDays(MAX_LIFETIME_DAYS))) {
            throw ApiException.badRequest("expires_at must be at most " + MAX_LIFETIME_DAYS + " days from today");
        }
        return issue(user, name, new java.util.LinkedHashSet<>(scopes), expiry);
    }

    /** Revokes a token; its owner or an admin may. */
    @Transactional
    public void revoke(User caller, long tokenId) {
        PersonalAccessToken token = PersonalAccessToken.<PersonalAccessToken>findByIdOptional(tokenId)
                .orElseThrow(() -> ApiException.notFound("Personal access token"));
        if (!caller.admin && !token.user.id.equals(caller.id)) {
            throw ApiException.notFound("Personal access token");
        }
        token.revoked = true;
        evictToken(token.id);
    }

    /**
     * Forgets a cached token at once on this replica (and again after the surrounding commit), and
     * tells the other replicas after the commit (ReplicaEvictions, when Redis is configured).
     */
    public void evictToken(long tokenId) {
        afterCommit.evict(() -> {
            evictions.incrementAndGet();
            cache.values().removeIf(c -> c.token().id() == tokenId);
        });
        // the other replicas, once the change is committed (before that, they would read the old row again)
        afterCommit.afterCompletion(() -> replicas.publish("token:" + tokenId));
    }

    /** Forgets every cached token of a user (blocked, deactivated, changed): at once on this replica. */
    public void evictUser(long userId) {
        afterCommit.evict(() -> {
            evictions.incrementAndGet();
            cache.values().removeIf(c -> c.token().userId() == userId);
        });
        afterCommit.afterCompletion(() -> replicas.publish("user:" + userId));
    }

    public boolean isActive(PersonalAccessToken token) {
        return !token.revoked && !token.isExpired(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC));
    }

    @Transactional
    public Issued issue(User user, String name, Set<String> scopes, LocalDate expiresAt) {
        String plaintext = PREFIX + randomChars();
        PersonalAccessToken token = new PersonalAccessToken();
        token.user = user;
        token.name = name;
        token.tokenDigest = digest(plaintext);
        token.scopes = String.join(" ", scopes);
        token.expiresAt = expiresAt;
        token.revoked = false;
        token.createdAt = clock.instant();
        token.persist();
        return new Issued(token, plaintext);
    }

    /** The token's owner and scopes, if the token exists, is not revoked or expired, and its owner is active. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<PersonalAccessToken> resolve(String presented) {
        if (presented == null || presented.isBlank()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        String digest = digest(presented.trim());
        Cached cached = cache.get(digest);
        if (cached != null) {
            Snapshot token = cached.token();
            if (now.toEpochMilli() < cached.untilMillis()
                    && (token.expiresAt() == null || !today.isAfter(token.expiresAt()))) {
                return Optional.of(token.materialize());
            }
            cache.remove(digest, cached);
        }
        long epoch = evictions.get();
        Optional<PersonalAccessToken> found = PersonalAccessToken.findByDigest(digest)
                .filter(t -> !t.revoked && !t.isExpired(today) && t.user.isActive());
        if (found.isPresent() && cacheTtlMillis > 0 && hasRoom(now.toEpochMilli())) {
            cache.put(digest, new Cached(Snapshot.of(found.get()), now.toEpochMilli() + cacheTtlMillis));
            if (evictions.get() != epoch) {
                // An eviction ran while we read: what we read may predate it.
                cache.remove(digest);
            }
        }
        return found;
    }

    private boolean hasRoom(long nowMillis) {
        if (cache.size() < cacheMaxSize) {
            return true;
        }
        cache.values().removeIf(c -> c.untilMillis() <= nowMillis);
        return cache.size() < cacheMaxSize;
    }

    static String digest(String token) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private String randomChars() {
        StringBuilder out = new StringBuilder(RANDOM_CHARS);
        for (int i = 0; i < RANDOM_CHARS; i++) {
            out.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return out.toString();
    }
}
