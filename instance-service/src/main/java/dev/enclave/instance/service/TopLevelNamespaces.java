package dev.enclave.instance.service;

import dev.enclave.instance.domain.TopLevelNamespace;
import dev.enclave.instance.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import jakarta.transaction.Transactional;

import java.util.function.Supplier;

/**
 * Usernames and the paths of top-level groups share one namespace (GitLab's routes), ignoring
 * case: a group may not squat a user's name, nor a new user take a group's path. The check answers
 * the common case; the reservation row, written in the creating transaction, settles a race.
 */
@ApplicationScoped
public class TopLevelNamespaces {

    private final EntityManager em;

    public TopLevelNamespaces(EntityManager em) {
        this.em = em;
    }

    /** @throws ApiException from {@code taken} when a user or top-level group already has the path */
    @Transactional(Transactional.TxType.MANDATORY)
    public void requireFree(String path, Supplier<ApiException> taken) {
        if (TopLevelNamespace.isTaken(path)) {
            throw taken.get();
        }
    }

    /** Reserves the path for the user or group just persisted, in the caller's transaction. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void reserve(String path, String kind, long ownerId, Supplier<ApiException> taken) {
        TopLevelNamespace namespace = new TopLevelNamespace();
        namespace.pathKey = TopLevelNamespace.key(path);
        namespace.kind = kind;
        namespace.ownerId = ownerId;
        try {
            em.persist(namespace);
            em.flush();
        } catch (PersistenceException e) {
            // A concurrent transaction reserved it first (or holds it still, uncommitted); ours rolls back.
            throw taken.get();
        }
    }
}
