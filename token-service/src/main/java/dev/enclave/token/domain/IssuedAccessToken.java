package dev.enclave.token.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.LockModeType;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Every OAuth access token this service signed, until it expires: revoking a family or an
 * application needs the jtis of what it issued.
 */
@Entity
@Table(name = "oauth_issued_access_tokens")
public class IssuedAccessToken extends PanacheEntityBase {

    @Id
    @Column(length = 36)
    public String jti;

    /** Unset for client_credentials tokens, which have no refresh token. */
    @Column(name = "family_id", length = 36)
    public String familyId;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "application_id")
    public OAuthApplication application;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    /*
     * The lock* finders take row locks in jti order: every path that writes revocations goes
     * through them first, so concurrent revocations of one token wait for each other instead of
     * inserting the same jti twice, and cannot deadlock.
     */

    public static Optional<IssuedAccessToken> lockLive(String jti, Instant now) {
        return find("jti = ?1 and expiresAt > ?2", jti, now).withLock(LockModeType.PESSIMISTIC_WRITE)
                .firstResultOptional();
    }

    public static List<IssuedAccessToken> lockLiveInFamily(String familyId, Instant now) {
        return find("familyId = ?1 and expiresAt > ?2 order by jti", familyId, now)
                .withLock(LockModeType.PESSIMISTIC_WRITE).list();
    }

    public static List<IssuedAccessToken> lockLiveOfApplication(OAuthApplication application, Instant now) {
        return find("application = ?1 and expiresAt > ?2 order by jti", application, now)
                .withLock(LockModeType.PESSIMISTIC_WRITE).list();
    }

    public static long deleteByApplication(OAuthApplication application) {
        return delete("application", application);
    }

    public static long deleteExpired(Instant now) {
        return delete("expiresAt < ?1", now);
    }
}
