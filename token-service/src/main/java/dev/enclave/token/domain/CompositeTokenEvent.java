package dev.enclave.token.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;

/**
 * A composite-identity access token was created: the feed instance-service polls to write its
 * {@code composite_oauth_token_created} audit events. Ids are assigned by {@link #nextId()}.
 */
@Entity
@Table(name = "oauth_composite_token_events")
public class CompositeTokenEvent extends PanacheEntityBase {

    /** Gapless, and committed in order: see {@link #nextId()}. */
    @Id
    public Long id;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** The token's owner: the service account. */
    @Column(name = "resource_owner_id", nullable = false)
    public Long resourceOwnerId;

    /** The human user of the token's {@code user:<id>} scope. */
    @Column(name = "user_id", nullable = false)
    public Long userId;

    /** The application's {@code client_id}, kept as a value so the event outlives the application. */
    @Column(name = "application_uid", nullable = false, length = 64)
    public String applicationUid;

    /** The access token's scope. */
    @Column(nullable = false, length = 1024)
    public String scopes;

    /** {@code exchange}, {@code direct} or {@code refresh}. */
    @Column(nullable = false, length = 16)
    public String origin;

    /** The access token's jti (not a secret: revocation lists carry it too). */
    @Column(nullable = false, length = 36)
    public String jti;

    /**
     * The next event id. The counter row stays locked until the calling transaction ends, so the
     * next writer waits: ids commit in order and a rolled-back id is handed out again. That
     * serialises composite token creations for the instant of their commit, which their rate
     * (agents refreshing every two hours) easily bears.
     */
    public static long nextId() {
        var em = getEntityManager();
        em.createNativeQuery("UPDATE oauth_composite_token_event_ids SET last_id = last_id + 1 WHERE id = 1")
                .executeUpdate();
        return ((Number) em.createNativeQuery("SELECT last_id FROM oauth_composite_token_event_ids WHERE id = 1")
                .getSingleResult()).longValue();
    }

    public static List<CompositeTokenEvent> listAfter(long afterId, int limit) {
        return find("id > ?1 order by id", afterId).page(0, limit).list();
    }

    public static long deleteCreatedBefore(Instant cutoff) {
        return delete("createdAt < ?1", cutoff);
    }
}
