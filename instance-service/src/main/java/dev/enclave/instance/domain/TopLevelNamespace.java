package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.util.Locale;

/**
 * A top-level namespace path, held by one user (its username) or one group without a parent:
 * unique across both, ignoring case, as GitLab's routes are.
 */
@Entity
@Table(name = "top_level_namespaces")
public class TopLevelNamespace extends PanacheEntityBase {

    public static final String USER = "user";
    public static final String GROUP = "group";

    /** The path in lower case. */
    @Id
    @Column(name = "path_key", length = 255)
    public String pathKey;

    @Column(nullable = false, length = 16)
    public String kind;

    @Column(name = "owner_id", nullable = false)
    public Long ownerId;

    public static String key(String path) {
        return path.toLowerCase(Locale.ROOT);
    }

    /** Whether a user or a top-level group already has this path (in any case). */
    public static boolean isTaken(String path) {
        String key = key(path);
        return findById(key) != null
                // Rows written around the services (tests, older seeds) are found too.
                || User.count("lower(username) = ?1", key) > 0
                || Group.count("parent is null and lower(path) = ?1", key) > 0;
    }
}
