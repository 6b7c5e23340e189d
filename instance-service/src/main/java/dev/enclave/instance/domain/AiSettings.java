package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** The instance's AI settings (one row). Null URLs and CIDRs fall back to the configured defaults. */
@Entity
@Table(name = "ai_settings")
public class AiSettings extends PanacheEntityBase {

    public static final int SINGLETON_ID = 1;

    @Id
    public Integer id;

    @Column(name = "ai_gateway_url", length = 2048)
    public String aiGatewayUrl;

    @Column(name = "cloud_gateway_url", length = 2048)
    public String cloudGatewayUrl;

    @Column(name = "gateway_timeout_seconds", nullable = false)
    public int gatewayTimeoutSeconds;

    @Column(name = "verbose_ai_logs", nullable = false)
    public boolean verboseAiLogs;

    @Column(name = "direct_access_enabled", nullable = false)
    public boolean directAccessEnabled;

    @Column(name = "offline_mode", nullable = false)
    public boolean offlineMode;

    /** Comma-separated. */
    @Column(name = "egress_allowed_cidrs", length = 4000)
    public String egressAllowedCidrs;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    public static AiSettings current() {
        return findById(SINGLETON_ID);
    }
}
