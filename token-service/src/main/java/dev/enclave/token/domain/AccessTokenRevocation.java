package dev.enclave.token.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;

/** A revoked access token that has not expired yet: what verifiers poll and then refuse. */
@Entity
@Table(name = "oauth_revocations")
public class AccessTokenRevocation extends PanacheEntityBase {

    @Id
    @Column(length = 36)
    public String jti;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Column(name = "revoked_at", nullable = false)
    public Instant revokedAt;

    public static boolean isRevoked(String jti) {
        return count("jti", jti) > 0;
    }

    public static List<AccessTokenRevocation> listRevokedSince(Instant since, Instant now) {
        return list("revokedAt > ?1 and expiresAt > ?2 order by revokedAt", since, now);
    }

    public static long deleteExpired(Instant now) {
        return delete("expiresAt < ?1", now);
    }
}
