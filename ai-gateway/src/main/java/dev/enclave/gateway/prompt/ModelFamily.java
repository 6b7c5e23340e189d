package dev.enclave.gateway.prompt;

import java.util.Arrays;
import java.util.Optional;

/**
 * The self-hosted model families (GitLab's {@code model_name} enum) and how each is prompted for
 * code completion: fill-in-the-middle with the family's own special tokens where the model was
 * trained for it, otherwise a chat prompt.
 */
public enum ModelFamily {
    CODESTRAL("codestral", "[SUFFIX]%2$s[PREFIX]%1$s"),
    CODELLAMA("codellama", "<PRE> %1$s <SUF>%2$s <MID>"),
    CODEGEMMA("codegemma", "<|fim_prefix|>%1$s<|fim_suffix|>%2$s<|fim_middle|>"),
    DEEPSEEKCODER("deepseekcoder", "<\uff5cfim\u2581begin\uff5c>%1$s<\uff5cfim\u2581hole\uff5c>%2$s<\uff5cfim\u2581end\uff5c>"),
    MISTRAL("mistral", null),
    MIXTRAL("mixtral", null),
    LLAMA3("llama3", null),
    CLAUDE_3("claude_3", null),
    GPT("gpt", null),
    GEMINI("gemini", null),
    GENERAL("general", null);

    private final String wireName;
    /** {@code String.format} template over (prefix, suffix); null when the family is chat-prompted. */
    private final String fillInTheMiddle;

    ModelFamily(String wireName, String fillInTheMiddle) {
        this.wireName = wireName;
        this.fillInTheMiddle = fillInTheMiddle;
    }

    public static Optional<ModelFamily> fromWireName(String name) {
        return Arrays.stream(values()).filter(f -> f.wireName.equals(name)).findFirst();
    }

    public String wireName() {
        return wireName;
    }

    public boolean supportsFillInTheMiddle() {
        return fillInTheMiddle != null;
    }

    String fillInTheMiddle(String prefix, String suffix) {
        return String.format(fillInTheMiddle, prefix, suffix);
    }
}
