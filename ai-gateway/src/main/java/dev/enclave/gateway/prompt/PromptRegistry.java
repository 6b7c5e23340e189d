package dev.enclave.gateway.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.qute.Engine;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateLocator;
import io.quarkus.qute.Variant;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The prompt templates, per model family and prompt id, read at start-up from
 * {@code src/main/resources/prompts/registry.json} and the Qute templates it names (docs/prompts.md
 * shows them all). A family's prompt for an id is either a raw prompt (fill-in-the-middle, sent to
 * a completions endpoint) or a system and a user message template (sent to a chat endpoint), with
 * the stop sequences the model gets with it. A family without an entry for an id has no prompt for
 * it: the code-only families ({@code codellama}, {@code codegemma}) have none for chat.
 * Built at start-up, so that a broken registry stops the service rather than its first request.
 */
@Startup
@ApplicationScoped
public class PromptRegistry {

    public static final String COMPLETIONS = "code_suggestions/completions";
    public static final String GENERATIONS = "code_suggestions/generations";
    public static final String CHAT = "chat/react";
    static final String ROOT = "prompts/";

    /** One family's prompt for one id. Exactly one of {@code prompt} and {@code system}/{@code user} is set. */
    public record Definition(ModelFamily family, String promptId, Template prompt, Template system, Template user,
                             List<String> stop) {

        public boolean isRawPrompt() {
            return prompt != null;
        }

        /** The whole prompt: the raw prompt, or the system message then one user message, from the same data. */
        public RenderedPrompt render(Map<String, Object> data) {
            if (prompt != null) {
                return new RenderedPrompt(new ModelPrompt.Completion(prompt.data(data).render()), stop);
            }
            return new RenderedPrompt(new ModelPrompt.Chat(List.of(
                    new ModelPrompt.Message("system", system.data(data).render()),
                    new ModelPrompt.Message("user", user.data(data).render()))), stop);
        }

        /** The system message alone (a conversation renders it once, and the user template per message). */
        public String renderSystem(Map<String, Object> data) {
            return system.data(data).render();
        }

        public String renderUser(Map<String, Object> data) {
            return user.data(data).render();
        }
    }

    /**
     * A prompt served by {@code POST /v1/prompts/{prompt_id}} for any family: the unit primitive
     * the token needs, the {@code inputs} the caller must send and may send, values the registry
     * sets itself ({@code fixed}), the system and user templates, stop sequences and answer length.
     */
    public record FeaturePrompt(String id, String unitPrimitive, List<String> inputs, List<String> optionalInputs,
                                Map<String, String> fixed, Template system, Template user, List<String> stop,
                                int maxTokens) {

        public List<ModelPrompt.Message> render(Map<String, Object> data) {
            Map<String, Object> all = new HashMap<>(data);
            all.putAll(fixed);
            return List.of(new ModelPrompt.Message("system", system.data(all).render()),
                    new ModelPrompt.Message("user", user.data(all).render()));
        }
    }

    /** What goes to the model: the prompt, and the stop sequences that go with it. */
    public record RenderedPrompt(ModelPrompt prompt, List<String> stop) {
    }

    private final Map<ModelFamily, Map<String, Definition>> definitions = new EnumMap<>(ModelFamily.class);
    private final Map<String, FeaturePrompt> featurePrompts = new HashMap<>();

    public PromptRegistry(ObjectMapper json) {
        Engine engine = Engine.builder().addDefaults().removeStandaloneLines(true)
                .addLocator(PromptRegistry::locate).build();
        JsonNode registry;
        try (InputStream in = resource(ROOT + "registry.json")) {
            if (in == null) {
                throw new IllegalStateException("prompts/registry.json is missing from the class path");
            }
            registry = json.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read prompts/registry.json", e);
        }
        for (Iterator<Map.Entry<String, JsonNode>> families = registry.path("families").fields(); families.hasNext(); ) {
            Map.Entry<String, JsonNode> family = families.next();
            ModelFamily modelFamily = ModelFamily.fromWireName(family.getKey()).orElseThrow(() ->
                    new IllegalStateException("prompts/registry.json names an unknown family " + family.getKey()));
            Map<String, Definition> byId = new HashMap<>();
            family.getValue().fields().forEachRemaining(entry -> byId.put(entry.getKey(),
                    definition(engine, modelFamily, entry.getKey(), entry.getValue())));
            definitions.put(modelFamily, Map.copyOf(byId));
        }
        registry.path("prompts").fields().forEachRemaining(entry -> featurePrompts.put(entry.getKey(),
                featurePrompt(engine, entry.getKey(), entry.getValue())));
        for (ModelFamily family : ModelFamily.values()) {
            if (!definitions.containsKey(family)) {
                throw new IllegalStateException("prompts/registry.json has no prompts for the family " + family.wireName());
            }
        }
    }

    /** @return the family's prompt for the id, empty when the family has none */
    public Optional<Definition> find(ModelFamily family, String promptId) {
        return Optional.ofNullable(definitions.get(family).get(promptId));
    }

    /** A prompt of {@code /v1/prompts/{prompt_id}}; empty when there is none with that id. */
    public Optional<FeaturePrompt> feature(String promptId) {
        return Optional.ofNullable(featurePrompts.get(promptId));
    }

    /** The ids {@code /v1/prompts/{prompt_id}} serves from the registry, sorted. */
    public List<String> featureIds() {
        return featurePrompts.keySet().stream().sorted().toList();
    }

    /** The families with a prompt for the id, in the enum's order (for error messages and docs). */
    public List<String> familiesWith(String promptId) {
        List<String> names = new ArrayList<>();
        for (ModelFamily family : ModelFamily.values()) {
            if (definitions.get(family).containsKey(promptId)) {
                names.add(family.wireName());
            }
        }
        return names;
    }

    private static Definition definition(Engine engine, ModelFamily family, String promptId, JsonNode node) {
        List<String> stop = new ArrayList<>();
        node.path("stop").forEach(s -> stop.add(s.asText()));
        if (node.hasNonNull("prompt")) {
            return new Definition(family, promptId, template(engine, node.get("prompt").asText()), null, null,
                    List.copyOf(stop));
        }
        Template system = null;
        Template user = null;
        for (JsonNode message : node.path("messages")) {
            Template template = template(engine, message.path("template").asText());
            switch (message.path("role").asText()) {
                case "system" -> system = template;
                case "user" -> user = template;
                default -> throw new IllegalStateException("prompts/registry.json: " + family.wireName() + " "
                        + promptId + " has a message role other than system and user");
            }
        }
        if (system == null || user == null) {
            throw new IllegalStateException("prompts/registry.json: " + family.wireName() + " " + promptId
                    + " needs a prompt, or a system and a user message");
        }
        return new Definition(family, promptId, null, system, user, List.copyOf(stop));
    }

    private static FeaturePrompt featurePrompt(Engine engine, String id, JsonNode node) {
        Definition messages = definition(engine, ModelFamily.GENERAL, id, node);
        Map<String, String> fixed = new HashMap<>();
        node.path("fixed_inputs").fields().forEachRemaining(e -> fixed.put(e.getKey(), e.getValue().asText()));
        return new FeaturePrompt(id, node.path("unit_primitive").asText(), strings(node.path("inputs")),
                strings(node.path("optional_inputs")), Map.copyOf(fixed), messages.system(), messages.user(),
                messages.stop(), node.path("max_tokens").asInt(1024));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return List.copyOf(values);
    }

    private static Template template(Engine engine, String id) {
        Template template = engine.getTemplate(id);
        if (template == null) {
            throw new IllegalStateException("prompts/registry.json names a template that does not exist: prompts/"
                    + id + ".txt");
        }
        return template;
    }

    /**
     * {@code codestral/completions} is {@code prompts/codestral/completions.txt}; an include's id
     * without a folder ({@code {#include related_context /}}) is looked up in {@code prompts/shared/}.
     * A file's last line break is not part of its template, so that a one-line raw prompt ends where
     * its text does.
     */
    private static Optional<TemplateLocator.TemplateLocation> locate(String id) {
        Optional<String> text = read(ROOT + id + ".txt");
        if (text.isEmpty() && !id.contains("/")) {
            text = read(ROOT + "shared/" + id + ".txt");
        }
        return text.map(content -> new TemplateLocator.TemplateLocation() {
            @Override
            public Reader read() {
                return new StringReader(content);
            }

            @Override
            public Optional<Variant> getVariant() {
                return Optional.empty();
            }
        });
    }

    private static Optional<String> read(String path) {
        try (InputStream in = resource(path)) {
            if (in == null) {
                return Optional.empty();
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return Optional.of(text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    private static InputStream resource(String path) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return (loader != null ? loader : PromptRegistry.class.getClassLoader()).getResourceAsStream(path);
    }
}
