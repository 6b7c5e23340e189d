package dev.enclave.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.gateway.client.AdapterWire;
import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.client.ModelAdapterClient;
import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.metrics.AiRequestMetrics;
import dev.enclave.gateway.prompt.CodeSuggestionPromptBuilder;
import dev.enclave.gateway.prompt.LanguageDetector;
import dev.enclave.gateway.prompt.ModelFamily;
import dev.enclave.gateway.prompt.ModelPrompt;
import dev.enclave.gateway.prompt.PromptRegistry;
import dev.enclave.gateway.rest.CodeSuggestionWire;
import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.gateway.security.Caller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Code completions and generations for self-hosted models: validate, prompt, call the model. */
@ApplicationScoped
public class CodeSuggestionService {

    static final int MAX_CURSOR_CONTENT = 100_000;
    static final int MAX_MODEL_NAME = 50;
    static final int MAX_CONTEXT_ITEMS = 100;
    /** The most choices one request may ask for: each is a model call of its own. */
    static final int MAX_CHOICES = 4;
    private static final Map<String, String> CONTEXT_PRIMITIVES = Map.of("file", "include_file_context",
            "snippet", "include_snippet_context");
    private static final Set<String> CODE_PROMPT_IDS = Set.of(PromptRegistry.COMPLETIONS, PromptRegistry.GENERATIONS);
    private static final Set<String> MESSAGE_ROLES = Set.of("system", "user", "assistant");

    private final CodeSuggestionPromptBuilder prompts;
    private final ModelAdapterClient adapter;
    private final ModelTargetResolver targets;
    private final GatewayConfig config;
    private final ModelChoice models;

    public CodeSuggestionService(CodeSuggestionPromptBuilder prompts, ModelAdapterClient adapter,
                                 ModelTargetResolver targets, GatewayConfig config, ModelChoice models) {
        this.prompts = prompts;
        this.adapter = adapter;
        this.targets = targets;
        this.config = config;
        this.models = models;
    }

    /**
     * A validated call to the model: what to send ({@code choices} times, each a separate call),
     * and how to name the model in the answer.
     */
    public record Prepared(AdapterWire.GenerateRequest call, CodeSuggestionWire.Model model, int choices) {
    }

    public Prepared prepareCompletion(CodeSuggestionWire.Request original, Caller caller) {
        return prepare(original, caller, PromptRegistry.COMPLETIONS);
    }

    public Prepared prepareGeneration(CodeSuggestionWire.Request original, Caller caller) {
        return prepare(original, caller, PromptRegistry.GENERATIONS);
    }

    /**
     * The whole answer in GitLab's JSON shape: one choice per {@code choices_count} (at least one),
     * each from its own model call, the calls made together.
     */
    public Uni<CodeSuggestionWire.Response> answer(Prepared prepared, String requestId, Deadline deadline,
                                                   AiRequestMetrics.Observation observation) {
        List<Uni<AdapterWire.GenerateResponse>> calls = new ArrayList<>();
        for (int i = 0; i < prepared.choices(); i++) {
            calls.add(adapter.generate(prepared.call(), requestId, deadline));
        }
        return Uni.join().all(calls).andFailFast().map(answers -> {
            List<CodeSuggestionWire.Choice> choices = new ArrayList<>();
            Long input = null;
            Long output = null;
            for (int i = 0; i < answers.size(); i++) {
                AdapterWire.GenerateResponse answer = answers.get(i);
                choices.add(new CodeSuggestionWire.Choice(answer.text(), i, answer.finishReason()));
                if (answer.usage() != null) {
                    observation.usage(answer.usage().promptTokens(), answer.usage().completionTokens());
                    input = plus(input, answer.usage().promptTokens());
                    output = plus(output, answer.usage().completionTokens());
                }
            }
            CodeSuggestionWire.Model model = input == null && output == null ? prepared.model()
                    : prepared.model().withTokens(new CodeSuggestionWire.TokensConsumption(input, output));
            return new CodeSuggestionWire.Response(UUID.randomUUID().toString(), model, "text_completion",
                    Instant.now().getEpochSecond(), choices);
        });
    }

    private static Long plus(Long sum, Integer tokens) {
        return tokens == null ? sum : (sum == null ? 0L : sum) + tokens;
    }

    /** {@code stream: true}: the raw generated text, piece by piece as the model produces it (one choice). */
    public Multi<byte[]> stream(Prepared prepared, String requestId, Deadline deadline,
                                AiRequestMetrics.Observation observation) {
        return AnswerStreams.rawText(adapter.stream(prepared.call(), requestId, deadline), requestId, observation);
    }

    private Prepared prepare(CodeSuggestionWire.Request original, Caller caller, String endpointPromptId) {
        CodeSuggestionWire.CurrentFile file = requireFile(original);
        validateLimits(original);
        int choices = choices(original.choicesCount());
        String promptId = promptId(original.promptId(), endpointPromptId);
        int version = promptVersion(original.promptVersion());
        CodeSuggestionWire.Request request = withModelFor(caller, original);
        ModelFamily family = requireFamily(request.modelName());
        String lang = LanguageDetector.fromFileName(file.fileName());
        boolean instancePrompt = version > 1 && request.prompt() != null && !request.prompt().isNull();
        ModelPrompt prompt;
        if (instancePrompt && version == 2) {
            prompt = new ModelPrompt.Completion(instancePrompt(request.prompt()));
        } else if (instancePrompt) {
            prompt = new ModelPrompt.Chat(instanceMessages(request.prompt()));
        } else {
            prompt = template(family, promptId, request, file, lang, caller).prompt();
        }
        int maxTokens = PromptRegistry.GENERATIONS.equals(promptId) ? config.generationMaxTokens()
                : config.completionMaxTokens();
        AdapterWire.ModelTarget target = targets.resolve(request.modelProvider(), request.modelEndpoint(),
                request.modelIdentifier(), request.modelApiKey());
        AdapterWire.GenerateRequest call = (prompt instanceof ModelPrompt.Chat chat
                ? new AdapterWire.GenerateRequest(target, null, chat.messages(), maxTokens, config.temperature(), false)
                : new AdapterWire.GenerateRequest(target, ((ModelPrompt.Completion) prompt).prompt(), null, maxTokens,
                        config.temperature(), false)).withStop(prompts.stop(family, promptId));
        return new Prepared(call, new CodeSuggestionWire.Model(
                request.modelProvider() == null ? "litellm" : request.modelProvider(), target.identifier(), lang),
                choices);
    }

    private PromptRegistry.RenderedPrompt template(ModelFamily family, String promptId,
                                                   CodeSuggestionWire.Request request,
                                                   CodeSuggestionWire.CurrentFile file, String lang, Caller caller) {
        String instruction = PromptRegistry.GENERATIONS.equals(promptId) ? request.userInstruction() : null;
        CodeSuggestionPromptBuilder.CodeInputs inputs = new CodeSuggestionPromptBuilder.CodeInputs(file.fileName(),
                lang, file.contentAboveCursor(), file.contentBelowCursor(), instruction,
                permittedContext(request.context(), caller));
        return prompts.render(family, promptId, inputs).orElseThrow(() -> GatewayException.invalidInput(
                List.of("model_name"), "value_error", "model family '" + family.wireName() + "' has no "
                        + promptId + " prompt", request.modelName()));
    }

    /**
     * The {@code context[]} items the token lets into the prompt: {@code file} items with the
     * {@code include_file_context} unit primitive, {@code snippet} items with
     * {@code include_snippet_context}. The others are dropped without an error: the client cannot
     * tell which primitives the instance put in its token.
     */
    static List<CodeSuggestionPromptBuilder.ContextItem> permittedContext(List<JsonNode> context, Caller caller) {
        if (context == null) {
            return List.of();
        }
        List<CodeSuggestionPromptBuilder.ContextItem> items = new ArrayList<>();
        for (int i = 0; i < context.size(); i++) {
            JsonNode item = context.get(i);
            if (item == null || !item.isObject()) {
                throw GatewayException.invalidInput(List.of("context", i), "model_type",
                        "Input should be a valid dictionary or object to extract fields from", item);
            }
            for (String field : List.of("type", "name", "content")) {
                if (!item.path(field).isTextual()) {
                    throw GatewayException.invalidInput(List.of("context", i, field), "missing", "Field required",
                            item.path("name").asText(null));
                }
            }
            String type = item.get("type").asText();
            String primitive = CONTEXT_PRIMITIVES.get(type);
            if (primitive != null && caller.grants(primitive)) {
                items.add(new CodeSuggestionPromptBuilder.ContextItem(type, item.get("name").asText(),
                        item.get("content").asText()));
            }
        }
        return items;
    }

    /** {@code model_name} ≤ 50 characters and {@code context} ≤ 100 items, as GitLab's gateway checks. */
    private static void validateLimits(CodeSuggestionWire.Request request) {
        if (request.modelName() != null && request.modelName().strip().length() > MAX_MODEL_NAME) {
            throw GatewayException.invalidInput(List.of("model_name"), "string_too_long",
                    "String should have at most " + MAX_MODEL_NAME + " characters", request.modelName());
        }
        if (request.context() != null && request.context().size() > MAX_CONTEXT_ITEMS) {
            // the items are not echoed: they are the user's files
            throw GatewayException.invalidInput(List.of("context"), "too_long", "List should have at most "
                    + MAX_CONTEXT_ITEMS + " items after validation, not " + request.context().size(),
                    request.context().size() + " items");
        }
    }

    /** {@code choices_count}: absent or 0 is one choice; at most {@value #MAX_CHOICES}. */
    static int choices(Integer choicesCount) {
        if (choicesCount == null || choicesCount == 0) {
            return 1;
        }
        if (choicesCount < 0) {
            throw GatewayException.invalidInput(List.of("choices_count"), "greater_than_equal",
                    "Input should be greater than or equal to 0", choicesCount);
        }
        if (choicesCount > MAX_CHOICES) {
            throw GatewayException.invalidInput(List.of("choices_count"), "less_than_equal",
                    "Input should be less than or equal to " + MAX_CHOICES, choicesCount);
        }
        return choicesCount;
    }

    /** {@code prompt_id}, when given, picks the template: one of the code suggestion prompts. */
    private static String promptId(String promptId, String endpointPromptId) {
        if (promptId == null || promptId.isBlank()) {
            return endpointPromptId;
        }
        if (!CODE_PROMPT_IDS.contains(promptId)) {
            throw GatewayException.invalidInput(List.of("prompt_id"), "literal_error",
                    "Input should be '" + PromptRegistry.COMPLETIONS + "' or '" + PromptRegistry.GENERATIONS + "'",
                    promptId);
        }
        return promptId;
    }

    private static int promptVersion(Integer version) {
        if (version == null) {
            return 1;
        }
        if (version < 1 || version > 3) {
            throw GatewayException.invalidInput(List.of("prompt_version"), "literal_error",
                    "Input should be 1, 2 or 3", version);
        }
        return version;
    }

    /** {@code prompt_version} 2: the prompt the instance rendered, sent as it is. */
    private static String instancePrompt(JsonNode prompt) {
        if (!prompt.isTextual()) {
            throw GatewayException.invalidInput(List.of("prompt"), "string_type", "Input should be a valid string",
                    prompt.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        return prompt.asText();
    }

    /** {@code prompt_version} 3: the instance's messages, {@code [{role, content}]}, sent as they are. */
    private static List<ModelPrompt.Message> instanceMessages(JsonNode prompt) {
        if (!prompt.isArray() || prompt.isEmpty()) {
            throw GatewayException.invalidInput(List.of("prompt"), "list_type",
                    "Input should be a non-empty list of messages {role, content}",
                    prompt.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        List<ModelPrompt.Message> messages = new ArrayList<>();
        for (int i = 0; i < prompt.size(); i++) {
            JsonNode message = prompt.get(i);
            String role = message.path("role").asText("");
            if (!MESSAGE_ROLES.contains(role)) {
                throw GatewayException.invalidInput(List.of("prompt", i, "role"), "enum",
                        "Input should be 'system', 'user' or 'assistant'", role);
            }
            if (!message.path("content").isTextual()) {
                throw GatewayException.invalidInput(List.of("prompt", i, "content"), "string_type",
                        "Input should be a valid string", null);
            }
            messages.add(new ModelPrompt.Message(role, message.get("content").asText()));
        }
        return messages;
    }

    /**
     * A user-bound token's request goes to this gateway's own model (and may name none); the
     * instance's request to the model it names, or, when it names no endpoint, to the own model.
     */
    private CodeSuggestionWire.Request withModelFor(Caller caller, CodeSuggestionWire.Request request) {
        Optional<GatewayConfig.OwnModel> imposed = models.imposedOn(caller,
                "model_endpoint, model_api_key and model_identifier", request.modelEndpoint(), request.modelApiKey(),
                request.modelIdentifier());
        if (imposed.isPresent()) {
            return withModel(request, imposed.get());
        }
        if (request.modelEndpoint() != null || config.ownModel().isEmpty()) {
            return request;
        }
        return withModel(request, config.ownModel().get());
    }

    private static CodeSuggestionWire.Request withModel(CodeSuggestionWire.Request request,
                                                        GatewayConfig.OwnModel own) {
        return new CodeSuggestionWire.Request(request.projectPath(), request.projectId(), request.currentFile(),
                "litellm", own.endpoint(), own.apiKey().orElse(null), own.identifier(), own.family(),
                request.promptVersion(), request.prompt(), request.promptId(), request.userInstruction(),
                request.stream(), request.choicesCount(), request.context(), request.telemetry());
    }

    private static CodeSuggestionWire.CurrentFile requireFile(CodeSuggestionWire.Request request) {
        if (request == null) {
            throw GatewayException.invalid("body", "a JSON body is required");
        }
        CodeSuggestionWire.CurrentFile file = request.currentFile();
        if (file == null) {
            throw GatewayException.invalid("current_file", "field required");
        }
        if (file.fileName() == null || file.fileName().isBlank()) {
            throw GatewayException.invalid("current_file.file_name", "field required");
        }
        for (String field : List.of("content_above_cursor", "content_below_cursor")) {
            String content = field.equals("content_above_cursor") ? file.contentAboveCursor() : file.contentBelowCursor();
            if (content != null && content.length() > MAX_CURSOR_CONTENT) {
                // the input is not echoed: it is the user's file
                throw GatewayException.invalidInput(List.of("current_file", field), "string_too_long",
                        "String should have at most " + MAX_CURSOR_CONTENT + " characters", content.length()
                                + " characters");
            }
        }
        return file;
    }

    private static ModelFamily requireFamily(String modelName) {
        if (modelName == null || modelName.isBlank()) {
            throw GatewayException.invalid("model_name", "field required for self-hosted models");
        }
        return ModelFamily.fromWireName(modelName).orElseThrow(() -> GatewayException.invalid("model_name",
                "unknown model family '" + modelName + "'"));
    }
}
