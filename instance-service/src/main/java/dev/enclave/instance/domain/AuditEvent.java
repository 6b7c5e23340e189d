package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;

/** Append-only record of who did what; with composite identity it names both identities. */
@Entity
@Table(name = "audit_events")
public class AuditEvent extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "event_name", nullable = false, length = 64)
    public String eventName;

    @Column(name = "author_id", nullable = false)
    public Long authorId;

    /** The human a service account acted for, when it did. */
    @Column(name = "scoped_user_id")
    public Long scopedUserId;

    @Column(name = "target_type", nullable = false, length = 32)
    public String targetType;

    @Column(name = "target_id", nullable = false)
    public Long targetId;

    @Column(length = 2000)
    public String details;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public static List<AuditEvent> forTarget(String targetType, long targetId) {
        return list("targetType = ?1 and targetId = ?2 order by id", targetType, targetId);
    }
}
