package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

@Entity
@Table(name = "personal_access_tokens")
public class PersonalAccessToken extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @ManyToOne(fetch = FetchType.EAGER, optional = false)
    @JoinColumn(name = "user_id")
    public User user;

    @Column(nullable = false)
    public String name;

    /** Hex SHA-256 of the token; the token itself is never stored. */
    @Column(name = "token_digest", nullable = false, length = 64)
    public String tokenDigest;

    /** Space-separated, as in OAuth. */
    @Column(nullable = false)
    public String scopes;

    /** Last day the token works (GitLab semantics); null means no expiry. */
    @Column(name = "expires_at")
    public LocalDate expiresAt;

    @Column(nullable = false)
    public boolean revoked;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "last_used_at")
    public Instant lastUsedAt;

    public static Optional<PersonalAccessToken> findByDigest(String digest) {
        return find("tokenDigest", digest).firstResultOptional();
    }

    public Set<String> scopeSet() {
        return Arrays.stream(scopes.split(" ")).filter(s -> !s.isBlank()).collect(Collectors.toUnmodifiableSet());
    }

    public boolean isExpired(LocalDate today) {
        return expiresAt != null && today.isAfter(expiresAt);
    }
}
