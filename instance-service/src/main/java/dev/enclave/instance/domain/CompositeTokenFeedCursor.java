package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.LockModeType;
import jakarta.persistence.Table;

import java.time.Instant;

/** The id of the last event of token-service's composite token feed that this instance has audited. */
@Entity
@Table(name = "composite_token_feed")
public class CompositeTokenFeedCursor extends PanacheEntityBase {

    public static final int SINGLETON_ID = 1;

    @Id
    public Integer id;

    @Column(name = "last_event_id", nullable = false)
    public long lastEventId;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public static CompositeTokenFeedCursor read() {
        return findById(SINGLETON_ID);
    }

    /** The row, locked until the transaction ends: replicas recording the same page wait for each other. */
    public static CompositeTokenFeedCursor lock() {
        return findById(SINGLETON_ID, LockModeType.PESSIMISTIC_WRITE);
    }
}
