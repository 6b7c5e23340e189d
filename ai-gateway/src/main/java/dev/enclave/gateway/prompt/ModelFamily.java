package dev.enclave.gateway.prompt;

import java.util.Arrays;
import java.util.Optional;

/**
 * The self-hosted model families (GitLab's {@code model_name} enum). How each is prompted, for
 * code completions, code generations and chat, is in {@link PromptRegistry}'s templates.
 */
public enum ModelFamily {
    CODESTRAL("codestral"),
    CODELLAMA("codellama"),
    CODEGEMMA("codegemma"),
    DEEPSEEKCODER("deepseekcoder"),
    MISTRAL("mistral"),
    MIXTRAL("mixtral"),
    LLAMA3("llama3"),
    CLAUDE_3("claude_3"),
    GPT("gpt"),
    GEMINI("gemini"),
    GENERAL("general");

    private final String wireName;

    ModelFamily(String wireName) {
        this.wireName = wireName;
    }

    public static Optional<ModelFamily> fromWireName(String name) {
        return Arrays.stream(values()).filter(f -> f.wireName.equals(name)).findFirst();
    }

    public String wireName() {
        return wireName;
    }
}
