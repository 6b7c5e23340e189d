package dev.enclave.instance.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * Cache eviction around a write: once now, and once more when the current transaction has ended.
 * The second run removes whatever a concurrent request read (and cached) from the database while
 * the change was not yet committed.
 */
@ApplicationScoped
public class AfterCommit {

    private final TransactionSynchronizationRegistry registry;

    public AfterCommit(TransactionSynchronizationRegistry registry) {
        this.registry = registry;
    }

    /** Runs {@code action} once the current transaction has ended (committed or not), or now without one. */
    public void afterCompletion(Runnable action) {
        if (registry.getTransactionStatus() == Status.STATUS_ACTIVE) {
            registry.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                }

                @Override
                public void afterCompletion(int status) {
                    action.run();
                }
            });
        } else {
            action.run();
        }
    }

    public void evict(Runnable eviction) {
        eviction.run();
        if (registry.getTransactionStatus() == Status.STATUS_ACTIVE) {
            afterCompletion(eviction);
        }
    }
}
