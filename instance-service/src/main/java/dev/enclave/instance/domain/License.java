package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** The instance licence: tier and the number of Duo Enterprise seats bought. */
@Entity
@Table(name = "license")
public class License extends PanacheEntityBase {

    public static final int SINGLETON_ID = 1;
    public static final String FREE = "free";
    public static final String PREMIUM = "premium";
    public static final String ULTIMATE = "ultimate";

    @Id
    public Integer id;

    @Column(nullable = false, length = 16)
    public String tier;

    @Column(name = "duo_enterprise_seats", nullable = false)
    public int duoEnterpriseSeats;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public static License current() {
        return findById(SINGLETON_ID);
    }

    /** Service accounts and self-hosted AI need Premium or Ultimate. */
    public boolean isPaidTier() {
        return PREMIUM.equals(tier) || ULTIMATE.equals(tier);
    }
}
