package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

@Entity
@Table(name = "users")
public class User extends PanacheEntityBase {

    public static final String ACTIVE = "active";
    public static final String BLOCKED = "blocked";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public String username;

    @Column(nullable = false)
    public String name;

    public String email;

    @Column(nullable = false, length = 16)
    public String state;

    @Column(nullable = false)
    public boolean admin;

    /** Service accounts and other bots: they cannot sign in. */
    @Column(nullable = false)
    public boolean bot;

    /** Service accounts only: tokens must name exactly one human user ({@code user:<id>}) to act for. */
    @Column(name = "composite_identity_enforced", nullable = false)
    public boolean compositeIdentityEnforced;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public static java.util.Optional<User> findByUsername(String username) {
        return find("username", username).firstResultOptional();
    }

    public boolean isActive() {
        return ACTIVE.equals(state);
    }
}
