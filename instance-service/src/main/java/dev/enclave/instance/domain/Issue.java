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
import java.util.Optional;

@Entity
@Table(name = "issues")
public class Issue extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "project_id")
    public Project project;

    /** Number within the project, as in {@code #12}. */
    @Column(nullable = false)
    public long iid;

    @Column(nullable = false)
    public String title;

    @Column(length = 10000)
    public String description;

    @ManyToOne(fetch = FetchType.EAGER, optional = false)
    @JoinColumn(name = "author_id")
    public User author;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public static Optional<Issue> findByIid(long projectId, long iid) {
        return find("project.id = ?1 and iid = ?2", projectId, iid).firstResultOptional();
    }

    public static long nextIid(long projectId) {
        Long max = find("select max(i.iid) from Issue i where i.project.id = ?1", projectId)
                .project(Long.class).firstResult();
        return max == null ? 1 : max + 1;
    }
}
