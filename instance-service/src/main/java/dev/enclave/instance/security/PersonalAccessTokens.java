package dev.enclave.instance.security;

import dev.enclave.instance.domain.PersonalAccessToken;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/** Issues {@code glpat-} tokens (shown once, stored as a digest) and resolves presented ones. */
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

    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    public PersonalAccessTokens(Clock clock) {
        this.clock = clock;
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
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        return PersonalAccessToken.findByDigest(digest(presented.trim()))
                .filter(t -> !t.revoked && !t.isExpired(today) && t.user.isActive());
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
