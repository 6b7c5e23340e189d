package dev.enclave.gateway.service;

import dev.enclave.gateway.client.AdapterWire;
import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.client.ModelAdapterClient;
import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.prompt.CodeSuggestionPromptBuilder;
import dev.enclave.gateway.prompt.LanguageDetector;
import dev.enclave.gateway.prompt.ModelFamily;
import dev.enclave.gateway.prompt.ModelPrompt;
import dev.enclave.gateway.rest.CodeSuggestionWire;
import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.gateway.security.Caller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Code completions and generations for self-hosted models: validate, prompt, call the model. */
@ApplicationScoped
public class CodeSuggestionService {

    static final int MAX_CURSOR_CONTENT = 100_000;

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

    /** A validated call to the model: what to send, and how to name the model in the answer. */
    public record Prepared(AdapterWire.GenerateRequest call, CodeSuggestionWire.Model model) {
    }

    public Prepared prepareCompletion(CodeSuggestionWire.Request original, Caller caller) {
        CodeSuggestionWire.CurrentFile file = requireFile(original);
        CodeSuggestionWire.Request request = withModelFor(caller, original);
        ModelFamily family = requireFamily(request.modelName());
        String lang = LanguageDetector.fromFileName(file.fileName());
        ModelPrompt prompt = prompts.completion(family, file.fileName(), lang, file.contentAboveCursor(),
                file.contentBelowCursor());
        return prepare(request, prompt, config.completionMaxTokens(), lang);
    }

    public Prepared prepareGeneration(CodeSuggestionWire.Request original, Caller caller) {
        CodeSuggestionWire.CurrentFile file = requireFile(original);
        CodeSuggestionWire.Request request = withModelFor(caller, original);
        requireFamily(request.modelName());
        String lang = LanguageDetector.fromFileName(file.fileName());
        ModelPrompt prompt = prompts.generation(file.fileName(), lang, file.contentAboveCursor(),
                file.contentBelowCursor(), request.userInstruction());
        return prepare(request, prompt, config.generationMaxTokens(), lang);
    }

    /** The whole answer in GitLab's JSON shape. */
    public Uni<CodeSuggestionWire.Response> answer(Prepared prepared, String requestId, Deadline deadline) {
        return adapter.generate(prepared.call(), requestId, deadline).map(answer -> new CodeSuggestionWire.Response(
                UUID.randomUUID().toString(), prepared.model(), "text_completion", Instant.now().getEpochSecond(),
                List.of(new CodeSuggestionWire.Choice(answer.text(), 0, answer.finishReason()))));
    }

    /** {@code stream: true}: the raw generated text, piece by piece as the model produces it. */
    public Multi<byte[]> stream(Prepared prepared, String requestId, Deadline deadline) {
        return AnswerStreams.rawText(adapter.stream(prepared.call(), requestId, deadline), requestId);
    }

    private Prepared prepare(CodeSuggestionWire.Request request, ModelPrompt prompt, int maxTokens, String lang) {
        AdapterWire.ModelTarget target = targets.resolve(request.modelProvider(), request.modelEndpoint(),
                request.modelIdentifier(), request.modelApiKey());
        AdapterWire.GenerateRequest call = prompt instanceof ModelPrompt.Chat chat
                ? new AdapterWire.GenerateRequest(target, null, chat.messages(), maxTokens, config.temperature(), false)
                : new AdapterWire.GenerateRequest(target, ((ModelPrompt.Completion) prompt).prompt(), null, maxTokens,
                        config.temperature(), false);
        return new Prepared(call, new CodeSuggestionWire.Model(
                request.modelProvider() == null ? "litellm" : request.modelProvider(), target.identifier(), lang));
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
        if (file.contentAboveCursor() != null && file.contentAboveCursor().length() > MAX_CURSOR_CONTENT) {
            throw GatewayException.invalid("current_file.content_above_cursor",
                    "ensure this value has at most " + MAX_CURSOR_CONTENT + " characters");
        }
        if (file.contentBelowCursor() != null && file.contentBelowCursor().length() > MAX_CURSOR_CONTENT) {
            throw GatewayException.invalid("current_file.content_below_cursor",
                    "ensure this value has at most " + MAX_CURSOR_CONTENT + " characters");
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
