package dev.enclave.gateway.prompt;

import java.util.List;

/** What is sent to the model: a raw completion prompt or a chat conversation, never both. */
public sealed interface ModelPrompt {

    record Completion(String prompt) implements ModelPrompt {
    }

    record Chat(List<Message> messages) implements ModelPrompt {
    }

    record Message(String role, String content) {
    }
}
