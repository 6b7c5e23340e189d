package dev.enclave.gateway.prompt;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Renders code completion and generation prompts from the family's templates
 * ({@link PromptRegistry}). The data every template gets: {@code file_name}, {@code language} (empty
 * when unknown), {@code prefix} and {@code suffix} (the file's content above and below the cursor),
 * {@code instruction} (generations' {@code user_instruction}, empty when none) and {@code context}
 * (the client's related files and snippets the token lets in, each {@code type}, {@code name},
 * {@code content}).
 */
@ApplicationScoped
public class CodeSuggestionPromptBuilder {

    /** One {@code context[]} item the prompt may include. */
    public record ContextItem(String type, String name, String content) {
    }

    public record CodeInputs(String fileName, String language, String prefix, String suffix, String instruction,
                             List<ContextItem> context) {
    }

    private final PromptRegistry registry;

    public CodeSuggestionPromptBuilder(PromptRegistry registry) {
        this.registry = registry;
    }

    /** @return the family's prompt for {@code promptId} rendered from the inputs, empty when the family has none */
    public Optional<PromptRegistry.RenderedPrompt> render(ModelFamily family, String promptId, CodeInputs inputs) {
        return registry.find(family, promptId).map(definition -> definition.render(data(inputs)));
    }

    /** The stop sequences of the family's prompt for {@code promptId} (none when it has no such prompt). */
    public List<String> stop(ModelFamily family, String promptId) {
        return registry.find(family, promptId).map(PromptRegistry.Definition::stop).orElse(List.of());
    }

    static Map<String, Object> data(CodeInputs inputs) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("file_name", nullToEmpty(inputs.fileName()));
        data.put("language", nullToEmpty(inputs.language()));
        data.put("prefix", nullToEmpty(inputs.prefix()));
        data.put("suffix", nullToEmpty(inputs.suffix()));
        data.put("instruction", inputs.instruction() == null ? "" : inputs.instruction().strip());
        data.put("context", inputs.context().stream().map(item -> Map.of("type", item.type(),
                "name", nullToEmpty(item.name()), "content", nullToEmpty(item.content()))).toList());
        return data;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
