package dev.enclave.instance.domain;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** One message of a user's Duo Chat history: their question, or the answer they got. */
@Entity
@Table(name = "chat_messages")
public class ChatMessage extends PanacheEntityBase {

    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";
    public static final int MAX_CONTENT = 200_000;

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "user_id", nullable = false)
    public long userId;

    @Column(nullable = false, length = 16)
    public String role;

    @Column(nullable = false, length = MAX_CONTENT)
    public String content;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
