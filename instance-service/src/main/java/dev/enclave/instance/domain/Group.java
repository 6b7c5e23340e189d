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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

@Entity
@Table(name = "namespace_groups")
public class Group extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false)
    public String path;

    @Column(name = "full_path", nullable = false, length = 1024)
    public String fullPath;

    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "parent_id")
    public Group parent;

    @Column(nullable = false, length = 16)
    public String visibility;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public static Optional<Group> findByFullPath(String fullPath) {
        return find("fullPath", fullPath).firstResultOptional();
    }

    /** This group and its ancestors, nearest first: the sources of inherited membership. */
    public List<Group> selfAndAncestors() {
        List<Group> chain = new ArrayList<>();
        for (Group g = this; g != null; g = g.parent) {
            chain.add(g);
        }
        return chain;
    }
}
