package dev.enclave.token.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A registered OAuth client. */
@Entity
@Table(name = "oauth_applications")
public class OAuthApplication extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    /** The OAuth {@code client_id}. */
    @Column(nullable = false, unique = true, length = 64)
    public String uid;

    @Column(nullable = false)
    public String name;

    @Column(name = "redirect_uri", nullable = false, length = 2048)
    public String redirectUri;

    /** Space-separated, GitLab style; may include the dynamic scope {@code user:*}. */
    @Column(nullable = false, length = 1024)
    public String scopes;

    /** Confidential clients must authenticate with their secret; public ones send only their id. */
    @Column(nullable = false)
    public boolean confidential;

    /** Hex SHA-256 of the client secret; the secret itself is shown once, at creation. */
    @Column(name = "secret_digest", nullable = false, length = 64)
    public String secretDigest;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public static Optional<OAuthApplication> findByUid(String uid) {
        return find("uid", uid).firstResultOptional();
    }

    public static List<OAuthApplication> listInCreationOrder() {
        return list("order by id");
    }
}
