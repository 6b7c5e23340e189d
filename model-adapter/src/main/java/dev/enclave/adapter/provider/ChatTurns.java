package dev.enclave.adapter.provider;

import dev.enclave.adapter.rest.AdapterWire;

import java.util.ArrayList;
import java.util.List;

/**
 * A call as the Messages-style APIs (Anthropic, Bedrock Converse) take it: the system prompt apart,
 * then user and assistant turns, consecutive messages of one role merged into one turn. A raw
 * prompt becomes a single user turn.
 */
record ChatTurns(List<String> system, List<Turn> turns) {

    record Turn(String role, List<String> texts) {
    }

    static ChatTurns of(AdapterWire.GenerateRequest request, String provider) {
        List<String> system = new ArrayList<>();
        List<Turn> turns = new ArrayList<>();
        if (request.messages() == null) {
            turns.add(new Turn("user", List.of(request.prompt())));
            return new ChatTurns(system, turns);
        }
        for (AdapterWire.Message message : request.messages()) {
            String role = message.role();
            String content = message.content() == null ? "" : message.content();
            if ("system".equals(role)) {
                system.add(content);
            } else if ("user".equals(role) || "assistant".equals(role)) {
                Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
                if (last != null && last.role().equals(role)) {
                    last.texts().add(content);
                } else {
                    turns.add(new Turn(role, new ArrayList<>(List.of(content))));
                }
            } else {
                throw ProviderCall.invalid("message role '" + role + "' is not supported by " + provider
                        + "; use system, user or assistant");
            }
        }
        if (turns.isEmpty()) {
            throw ProviderCall.invalid(provider + " needs at least one user message besides the system prompt");
        }
        return new ChatTurns(system, turns);
    }
}
