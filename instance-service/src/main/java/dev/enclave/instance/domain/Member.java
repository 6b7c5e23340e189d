package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
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
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** A direct membership of a user in a group or a project, with GitLab's access level. */
@Entity
@Table(name = "members")
public class Member extends PanacheEntityBase {

    public static final String GROUP = "group";
    public static final String PROJECT = "project";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "source_type", nullable = false, length = 16)
    public String sourceType;

    @Column(name = "source_id", nullable = false)
    public Long sourceId;

    @ManyToOne(fetch = FetchType.EAGER, optional = false)
    @JoinColumn(name = "user_id")
    public User user;

    @Column(name = "access_level", nullable = false)
    public int accessLevel;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public static Optional<Member> find(String sourceType, long sourceId, long userId) {
        return find("sourceType = ?1 and sourceId = ?2 and user.id = ?3", sourceType, sourceId, userId)
                .firstResultOptional();
    }

    /** The user's direct memberships in any of these groups. */
    public static List<Member> inGroups(long userId, Collection<Long> groupIds) {
        return list("sourceType = ?1 and sourceId in ?2 and user.id = ?3", GROUP, groupIds, userId);
    }

    /** The direct members of a group or project, oldest first (a query, so callers can page it). */
    public static PanacheQuery<Member> ofSource(String sourceType, long sourceId) {
        return find("sourceType = ?1 and sourceId = ?2 order by id", sourceType, sourceId);
    }
}
