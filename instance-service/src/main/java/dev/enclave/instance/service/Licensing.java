package dev.enclave.instance.service;

import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.domain.DuoSeatAssignment;
import dev.enclave.instance.domain.License;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.security.Actor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The licence tier and the Duo Enterprise seats: self-hosted AI needs a paid tier and a seat.
 * {@link #mayUseDuo} answers from memory on the AI request path: the tier and each user's seat
 * are re-read at least every {@code settings-cache-ttl}, and dropped at once on this replica when
 * the licence or a seat changes here.
 */
@ApplicationScoped
@Transactional
public class Licensing {

    private static final Set<String> TIERS = Set.of(License.FREE, License.PREMIUM, License.ULTIMATE);

    /** Seats remembered at most; beyond it, lookups go to the database until entries expire. */
    static final int MAX_CACHED_SEATS = 100_000;

    private record Cached(boolean value, long readAtMillis, long generation) {
    }

    private final AuditLog audit;
    private final Clock clock;
    private final InstanceConfig config;
    private final AfterCommit afterCommit;
    private final AtomicLong generation = new AtomicLong();
    private volatile Cached paidTier;
    private final Map<Long, Cached> seats = new ConcurrentHashMap<>();

    public Licensing(AuditLog audit, Clock clock, InstanceConfig config, AfterCommit afterCommit) {
        this.audit = audit;
        this.clock = clock;
        this.config = config;
        this.afterCommit = afterCommit;
    }

    /** Drops the cached tier and seats on this replica (now, and again once the current transaction ended). */
    public void invalidate() {
        afterCommit.evict(() -> {
            generation.incrementAndGet();
            paidTier = null;
            seats.clear();
        });
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public License license() {
        return License.current();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public long seatsAssigned() {
        return DuoSeatAssignment.count();
    }

    public License update(Actor admin, String tier, Integer seats) {
        License license = License.findById(License.SINGLETON_ID, LockModeType.PESSIMISTIC_WRITE);
        if (tier != null) {
            if (!TIERS.contains(tier)) {
                throw ApiException.badRequest("plan must be one of free, premium, ultimate");
            }
            license.tier = tier;
        }
        if (seats != null) {
            long assigned = DuoSeatAssignment.count();
            if (seats < assigned) {
                throw ApiException.badRequest("duo_enterprise_seats cannot be below the " + assigned
                        + " seats assigned; unassign seats first");
            }
            license.duoEnterpriseSeats = seats;
        }
        license.updatedAt = clock.instant();
        invalidate();
        audit.record("license_updated", admin, "License", license.id,
                "plan=" + license.tier + " duo_enterprise_seats=" + license.duoEnterpriseSeats);
        return license;
    }

    /** Locks the licence row so that two concurrent assignments cannot oversell the seats. */
    public void assignSeat(Actor admin, User user) {
        License license = License.findById(License.SINGLETON_ID, LockModeType.PESSIMISTIC_WRITE);
        if (DuoSeatAssignment.findById(user.id) != null) {
            throw ApiException.conflict("User already has a Duo Enterprise seat");
        }
        if (DuoSeatAssignment.count() >= license.duoEnterpriseSeats) {
            throw ApiException.conflict("No Duo Enterprise seats left (" + license.duoEnterpriseSeats + " bought)");
        }
        DuoSeatAssignment seat = new DuoSeatAssignment();
        seat.userId = user.id;
        seat.assignedAt = clock.instant();
        seat.persist();
        invalidate();
        audit.record("duo_seat_assigned", admin, "User", user.id, null);
    }

    public void unassignSeat(Actor admin, long userId) {
        if (!DuoSeatAssignment.deleteById(userId)) {
            throw ApiException.notFound("Seat assignment");
        }
        invalidate();
        audit.record("duo_seat_unassigned", admin, "User", userId, null);
    }

    /** May this user use self-hosted AI features? Paid tier and an assigned seat. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public boolean mayUseDuo(User user) {
        long now = clock.millis();
        long ttl = config.settingsCacheTtl().toMillis();
        long current = generation.get();
        Cached tier = paidTier;
        if (!fresh(tier, now, ttl, current)) {
            tier = new Cached(License.current().isPaidTier(), now, current);
            paidTier = tier;
        }
        if (!tier.value()) {
            return false;
        }
        Cached seat = seats.get(user.id);
        if (!fresh(seat, now, ttl, current)) {
            seat = new Cached(DuoSeatAssignment.findById(user.id) != null, now, current);
            if (seats.size() >= MAX_CACHED_SEATS) {
                seats.values().removeIf(c -> !fresh(c, now, ttl, generation.get()));
            }
            if (seats.size() < MAX_CACHED_SEATS) {
                seats.put(user.id, seat);
            }
        }
        return seat.value();
    }

    /** Read under this generation and not older than the TTL: a change on this replica bumps the generation. */
    private static boolean fresh(Cached cached, long now, long ttl, long generation) {
        return cached != null && cached.generation() == generation && now - cached.readAtMillis() < ttl;
    }
}
