package dev.enclave.token.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.LockModeType;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

@Entity
@Table(name = "signing_key")
public class SigningKey extends PanacheEntityBase {

    /** RFC 7638 thumbprint of the public key. */
    @Id
    @Column(length = 64)
    public String kid;

    @Column(name = "public_jwk", nullable = false, length = 2048)
    public String publicJwk;

    @Column(name = "private_key_encrypted", nullable = false, length = 4096)
    public String privateKeyEncrypted;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** When this key stopped signing; it stays published until its last token expires. */
    @Column(name = "retired_at")
    public Instant retiredAt;

    public static Optional<SigningKey> findActive() {
        return find("retiredAt is null order by createdAt desc").firstResultOptional();
    }

    /** The active key, its row locked until the transaction ends (for rotation). */
    public static Optional<SigningKey> findActiveForUpdate() {
        return find("retiredAt is null order by createdAt desc")
                .withLock(LockModeType.PESSIMISTIC_WRITE).firstResultOptional();
    }

    /** Keys whose tokens may still be valid: active ones, and ones retired after {@code cutoff}. */
    public static List<SigningKey> listPublishable(Instant cutoff) {
        return list("retiredAt is null or retiredAt > ?1 order by createdAt desc", cutoff);
    }
}
