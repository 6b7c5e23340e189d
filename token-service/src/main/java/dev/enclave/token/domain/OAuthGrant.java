package dev.enclave.token.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.Optional;

/** An authorization code: single use, short-lived, bound to its client and redirect URI. */
@Entity
@Table(name = "oauth_grants")
public class OAuthGrant extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "code_digest", nullable = false, unique = true, length = 64)
    public String codeDigest;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "application_id", nullable = false)
    public OAuthApplication application;

    /** The instance's user id; for composite identity, the service account's. */
    @Column(name = "resource_owner_id", nullable = false)
    public Long resourceOwnerId;

    @Column(nullable = false, length = 1024)
    public String scopes;

    @Column(name = "redirect_uri", nullable = false, length = 2048)
    public String redirectUri;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Column(name = "used_at")
    public Instant usedAt;

    /**
     * RFC 7636 {@code code_challenge} (method S256, the only one supported): BASE64URL(SHA-256(code_verifier)).
     * Null for a grant made without PKCE, which only a confidential client may have.
     */
    @Column(name = "code_challenge", length = 128)
    public String codeChallenge;

    /** Family of the tokens the exchange issued; what a replay of the code revokes. */
    @Column(name = "token_family", length = 36)
    public String tokenFamily;

    public static Optional<OAuthGrant> findByCodeDigest(String codeDigest) {
        return find("codeDigest", codeDigest).firstResultOptional();
    }

    /**
     * Marks the code used, unless another request already did: the conditional update is what
     * makes two concurrent exchanges of one code yield one set of tokens.
     */
    public static boolean claim(Long id, Instant now, String tokenFamily) {
        return update("usedAt = ?1, tokenFamily = ?2 where id = ?3 and usedAt is null", now, tokenFamily, id) == 1;
    }

    public static long deleteByApplication(OAuthApplication application) {
        return delete("application", application);
    }

    /** Unused codes go once expired; used ones stay while tokens from them may live, so a late replay still revokes. */
    public static long deleteExpired(Instant unusedCutoff, Instant usedCutoff) {
        return delete("(usedAt is null and expiresAt < ?1) or (usedAt is not null and expiresAt < ?2)",
                unusedCutoff, usedCutoff);
    }
}
