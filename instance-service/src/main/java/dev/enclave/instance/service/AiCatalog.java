package dev.enclave.instance.service;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What can be configured: model families (GitLab's enum), providers model-adapter can call, the
 * AI features, and which families can serve which feature.
 */
public final class AiCatalog {

    public static final List<String> FAMILIES = List.of("mistral", "llama3", "codegemma", "codestral", "codellama",
            "deepseekcoder", "claude_3", "gpt", "mixtral", "general", "gemini");

    /** GitLab's generally available families; the rest are beta. */
    private static final Set<String> GA = Set.of("mistral", "codestral", "claude_3", "gpt", "mixtral");

    /** Provider -> the litellm prefix ai-gateway maps back to a model-adapter provider. */
    public static final Map<String, String> PROVIDERS = Map.of(
            "openai_compatible", "custom_openai",
            "mistral", "mistral",
            "anthropic", "anthropic",
            "azure_openai", "azure",
            "bedrock", "bedrock",
            "vertex_ai", "vertex_ai");

    public static final List<String> CODE_FEATURES = List.of("code_completions", "code_generations");
    public static final List<String> CHAT_FEATURES = List.of("duo_chat", "duo_chat_explain_code",
            "duo_chat_write_tests", "duo_chat_refactor_code", "duo_chat_fix_code", "duo_chat_troubleshoot_job",
            "generate_commit_message", "summarize_new_merge_request", "review_merge_request");

    /** Fill-in-the-middle base models: they complete code but do not hold a conversation. */
    private static final Set<String> CODE_ONLY_FAMILIES = Set.of("codegemma", "codellama");

    private AiCatalog() {
    }

    public static boolean isFeature(String feature) {
        return CODE_FEATURES.contains(feature) || CHAT_FEATURES.contains(feature);
    }

    public static List<String> features() {
        return java.util.stream.Stream.concat(CODE_FEATURES.stream(), CHAT_FEATURES.stream()).toList();
    }

    public static boolean compatible(String feature, String family) {
        return CODE_FEATURES.contains(feature) || !CODE_ONLY_FAMILIES.contains(family);
    }

    public static String releaseState(String family) {
        return GA.contains(family) ? "GA" : "BETA";
    }

    /** The identifier ai-gateway receives: the provider's litellm prefix unless it already has one. */
    public static String gatewayIdentifier(String provider, String identifier) {
        String prefix = PROVIDERS.getOrDefault(provider, "custom_openai");
        int slash = identifier.indexOf('/');
        if (slash > 0 && PROVIDERS.containsValue(identifier.substring(0, slash))) {
            return identifier;
        }
        return prefix + "/" + identifier;
    }
}
