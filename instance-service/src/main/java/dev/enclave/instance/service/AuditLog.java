package dev.enclave.instance.service;

import dev.enclave.instance.domain.AuditEvent;
import dev.enclave.instance.security.Actor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;

/** Records audit events in the caller's transaction: no write without its record, no record without its write. */
@ApplicationScoped
public class AuditLog {

    private final Clock clock;

    public AuditLog(Clock clock) {
        this.clock = clock;
    }

    /** The actor's own action; with composite identity the service account is the author and the human is named. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String eventName, Actor actor, String targetType, long targetId, String details) {
        record(eventName, actor.user().id, actor.isComposite() ? actor.scopedUser().id : null, targetType, targetId,
                details);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String eventName, long authorId, Long scopedUserId, String targetType, long targetId,
                       String details) {
        record(eventName, authorId, scopedUserId, targetType, targetId, details, clock.instant());
    }

    /** @param createdAt when it happened, for what happened elsewhere (token-service) and is recorded later */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String eventName, long authorId, Long scopedUserId, String targetType, long targetId,
                       String details, Instant createdAt) {
        AuditEvent event = new AuditEvent();
        event.eventName = eventName;
        event.authorId = authorId;
        event.scopedUserId = scopedUserId;
        event.targetType = targetType;
        event.targetId = targetId;
        event.details = details;
        event.createdAt = createdAt;
        event.persist();
    }
}
