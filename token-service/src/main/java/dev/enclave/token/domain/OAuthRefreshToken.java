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

/** A refresh token, rotated on every use. All tokens descended from one code share a family. */
@Entity
@Table(name = "oauth_refresh_tokens")
public class OAuthRefreshToken extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "token_digest", nullable = false, unique = true, length = 64)
    public String tokenDigest;

    @Column(name = "family_id", nullable = false, length = 36)
    public String familyId;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "application_id", nullable = false)
    public OAuthApplication application;

    @Column(name = "resource_owner_id", nullable = false)
    public Long resourceOwnerId;

    @Column(nullable = false, length = 1024)
    public String scopes;

    /** The family was born from a PKCE grant: the only kind a public client may refresh. */
    @Column(nullable = false)
    public boolean pkce;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Column(name = "used_at")
    public Instant usedAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    public static Optional<OAuthRefreshToken> findByDigest(String tokenDigest) {
        return find("tokenDigest", tokenDigest).firstResultOptional();
    }

    /** Conditional, like {@link OAuthGrant#claim}: of two concurrent refreshes only one wins. */
    public static boolean claim(Long id, Instant now) {
        return update("usedAt = ?1 where id = ?2 and usedAt is null and revokedAt is null", now, id) == 1;
    }

    /**
     * Revokes every live token of the family. The update locks those rows, so concurrent
     * revocations of one family run one after the other and only the first finds anything to do.
     */
    public static int revokeFamily(String familyId, Instant now) {
        return update("revokedAt = ?1 where familyId = ?2 and revokedAt is null", now, familyId);
    }

    public static long deleteByApplication(OAuthApplication application) {
        return delete("application", application);
    }

    public static long deleteExpired(Instant now) {
        return delete("expiresAt < ?1", now);
    }
}
