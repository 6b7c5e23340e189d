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

/** Where one AI feature's requests go: disabled, vendored, self_hosted (with a model) or unassigned. */
@Entity
@Table(name = "ai_feature_settings")
public class FeatureSetting extends PanacheEntityBase {

    public static final String DISABLED = "disabled";
    public static final String VENDORED = "vendored";
    public static final String SELF_HOSTED = "self_hosted";
    public static final String UNASSIGNED = "unassigned";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, length = 64)
    public String feature;

    @Column(nullable = false, length = 16)
    public String provider;

    @ManyToOne(fetch = FetchType.EAGER)
    @JoinColumn(name = "ai_self_hosted_model_id")
    public SelfHostedModel selfHostedModel;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public static Optional<FeatureSetting> findByFeature(String feature) {
        return find("feature", feature).firstResultOptional();
    }
}
