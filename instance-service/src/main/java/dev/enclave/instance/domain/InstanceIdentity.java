package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** The instance's UUID (GitLab's {@code Gitlab::CurrentSettings.uuid}): {@code sub} of its AI tokens. */
@Entity
@Table(name = "instance_identity")
public class InstanceIdentity extends PanacheEntityBase {

    public static final int SINGLETON_ID = 1;

    @Id
    public Integer id;

    @Column(name = "instance_uuid", nullable = false, length = 36)
    public String instanceUuid;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
