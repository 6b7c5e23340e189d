package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A model the enterprise runs itself, and how to reach it. */
@Entity
@Table(name = "ai_self_hosted_models")
public class SelfHostedModel extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public String name;

    /** Model family, GitLab's enum: mistral, codestral, llama3, ... */
    @Column(nullable = false, length = 32)
    public String model;

    @Column(nullable = false, length = 32)
    public String provider;

    @Column(nullable = false, length = 2048)
    public String endpoint;

    /** litellm-style identifier, e.g. {@code custom_openai/codestral-22b}. */
    public String identifier;

    /** AES-256-GCM ciphertext of the API key, bound to this row's id; null when the model needs none. */
    @Column(name = "api_token_encrypted", length = 2048)
    public String apiTokenEncrypted;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
