package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * One AI request forwarded to a gateway (table {@code ai_usage_records}): never a prompt, an answer
 * or a key. The user is an id, not a reference: a record outlives nothing it names, and is deleted
 * by age only ({@code enclave.instance.usage.retention}).
 */
@Entity
@Table(name = "ai_usage_records")
public class AiUsageRecord extends PanacheEntityBase {

    /** What became of the request: the gateway's 2xx, its error status, no answer, the caller left. */
    public enum Outcome {
        SUCCESS, ERROR, UNAVAILABLE, CANCELLED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "ai_usage_records_seq")
    @SequenceGenerator(name = "ai_usage_records_seq", sequenceName = "ai_usage_records_seq", allocationSize = 50)
    public Long id;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "user_id", nullable = false)
    public long userId;

    @Column(nullable = false, length = 64)
    public String feature;

    @Column(nullable = false, length = 255)
    public String model;

    /** Null when the gateway did not say (streamed answers). */
    @Column(name = "input_tokens")
    public Long inputTokens;

    @Column(name = "output_tokens")
    public Long outputTokens;

    @Column(name = "latency_ms", nullable = false)
    public long latencyMs;

    @Column(nullable = false, length = 32)
    public String outcome;
}
