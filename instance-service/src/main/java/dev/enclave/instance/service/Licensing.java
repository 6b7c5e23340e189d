package dev.enclave.instance.service;

import dev.enclave.instance.domain.DuoSeatAssignment;
import dev.enclave.instance.domain.License;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.security.Actor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.util.Set;

/** The licence tier and the Duo Enterprise seats: self-hosted AI needs a paid tier and a seat. */
@ApplicationScoped
@Transactional
public class Licensing {

    private static final Set<String> TIERS = Set.of(License.FREE, License.PREMIUM, License.ULTIMATE);

    private final AuditLog audit;
    private final Clock clock;

    public Licensing(AuditLog audit, Clock clock) {
        this.audit = audit;
        this.clock = clock;
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
        audit.record("duo_seat_assigned", admin, "User", user.id, null);
    }

    public void unassignSeat(Actor admin, long userId) {
        if (!DuoSeatAssignment.deleteById(userId)) {
            throw ApiException.notFound("Seat assignment");
        }
        audit.record("duo_seat_unassigned", admin, "User", userId, null);
    }

    /** May this user use self-hosted AI features? Paid tier and an assigned seat. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public boolean mayUseDuo(User user) {
        return License.current().isPaidTier() && DuoSeatAssignment.findById(user.id) != null;
    }
}
