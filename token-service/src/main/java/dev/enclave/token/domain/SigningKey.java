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

/**
 * An RSA signing key. Its life: <em>next</em> (published, not yet signing: verifiers fetch it
 * before any token carries its kid), <em>signing</em>, <em>retired</em> (still published until
 * every token it signed has expired), then deleted.
 */
@Entity
@Table(name = "signing_key")
public class SigningKey extends PanacheEntityBase {

    /** {@link #signingSlot} of the key that signs. A unique index allows one such row. */
    public static final short SIGNING = 1;
    /** {@link #signingSlot} of the key that will sign after the publish delay; one at most, too. */
    public static final short NEXT = 2;

    /** RFC 7638 thumbprint of the public key. */
    @Id
    @Column(length = 64)
    public String kid;

    @Column(name = "public_jwk", nullable = false, length = 2048)
    public String publicJwk;

    @Column(name = "private_key_encrypted", nullable = false, length = 4096)
    public String privateKeyEncrypted;

    /** Published from then on. */
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** The earliest instant it may sign: verifiers that cached the key set before it was created have refetched. */
    @Column(name = "signs_from", nullable = false)
    public Instant signsFrom;

    /** {@link #SIGNING}, {@link #NEXT}, or null once retired (unique: never two of either). */
    @Column(name = "signing_slot")
    public Short signingSlot;

    /** When this key stopped signing; it stays published until its last token expires. */
    @Column(name = "retired_at")
    public Instant retiredAt;

    public boolean isSigning() {
        return signingSlot != null && signingSlot == SIGNING;
    }

    public boolean isNext() {
        return signingSlot != null && signingSlot == NEXT;
    }

    public static Optional<SigningKey> findSigning() {
        return find("signingSlot", SIGNING).firstResultOptional();
    }

    public static Optional<SigningKey> findNext() {
        return find("signingSlot", NEXT).firstResultOptional();
    }

    /** The signing key, its row locked until the transaction ends (rotation and promotion). */
    public static Optional<SigningKey> findSigningForUpdate() {
        return find("signingSlot", SIGNING).withLock(LockModeType.PESSIMISTIC_WRITE).firstResultOptional();
    }

    /** Keys whose tokens may still be valid: signing, next, and retired after {@code cutoff}. */
    public static List<SigningKey> listPublishable(Instant cutoff) {
        return list("retiredAt is null or retiredAt > ?1 order by createdAt desc", cutoff);
    }
}
