package dev.enclave.instance.service;

import dev.enclave.instance.domain.ChatMessage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * A user's Duo Chat conversation, kept in the database (so that every replica and a restart see
 * the same one): the answered turns, the last {@value #MAX_MESSAGES} messages at most, as GitLab's
 * {@code ChatConversation::LAST_N_MESSAGES}. A question whose answer failed is not kept.
 */
@ApplicationScoped
@Transactional
public class ChatHistory {

    /** GitLab sends at most the last 50 messages of the conversation. */
    public static final int MAX_MESSAGES = 50;

    /** One earlier message, as sent to the gateway. */
    public record Turn(String role, String content) {
    }

    private final Clock clock;

    public ChatHistory(Clock clock) {
        this.clock = clock;
    }

    /** The user's earlier messages, oldest first. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Turn> earlier(long userId) {
        List<ChatMessage> newestFirst = ChatMessage.<ChatMessage>find("userId = ?1 order by id desc", userId)
                .range(0, MAX_MESSAGES - 1).list();
        List<Turn> turns = new ArrayList<>(newestFirst.size());
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            turns.add(new Turn(newestFirst.get(i).role, newestFirst.get(i).content));
        }
        return turns;
    }

    /** GitLab's {@code /clear}: the user's conversation starts again. */
    public void clear(long userId) {
        ChatMessage.delete("userId", userId);
    }

    /** Keeps an answered turn and drops the messages beyond {@value #MAX_MESSAGES}. */
    public void record(long userId, String question, String answer) {
        if (answer == null || answer.isBlank()) {
            return;
        }
        add(userId, ChatMessage.USER, question);
        add(userId, ChatMessage.ASSISTANT, answer);
        List<ChatMessage> oldestKept = ChatMessage.<ChatMessage>find("userId = ?1 order by id desc", userId)
                .range(MAX_MESSAGES - 1, MAX_MESSAGES - 1).list();
        if (!oldestKept.isEmpty()) {
            ChatMessage.delete("userId = ?1 and id < ?2", userId, oldestKept.get(0).id);
        }
    }

    private void add(long userId, String role, String content) {
        ChatMessage message = new ChatMessage();
        message.userId = userId;
        message.role = role;
        message.content = content.length() > ChatMessage.MAX_CONTENT ? content.substring(0, ChatMessage.MAX_CONTENT)
                : content;
        message.createdAt = clock.instant();
        message.persist();
    }
}
