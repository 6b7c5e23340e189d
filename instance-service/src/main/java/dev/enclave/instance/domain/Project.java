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
@Table(name = "projects")
public class Project extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false)
    public String path;

    @Column(name = "full_path", nullable = false, length = 1024)
    public String fullPath;

    @Column(length = 2000)
    public String description;

    /** Null for a project in its creator's personal namespace. */
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "group_id")
    public Group group;

    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "creator_id")
    public User creator;

    @Column(nullable = false, length = 16)
    public String visibility;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public static Optional<Project> findByFullPath(String fullPath) {
        return find("fullPath", fullPath).firstResultOptional();
    }
}
