package dev.enclave.gateway.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.enclave.gateway.client.AdapterWire;
import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.client.ModelAdapterClient;
import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.metrics.AiRequestMetrics;
import dev.enclave.gateway.prompt.ModelFamily;
import dev.enclave.gateway.prompt.ModelPrompt;
import dev.enclave.gateway.prompt.PromptRegistry;
import dev.enclave.gateway.rest.ChatAgentWire;
import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.gateway.security.Caller;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Duo Chat for self-hosted models: the conversation, in the model family's chat template
 * ({@link PromptRegistry#CHAT}: its system prompt, and each user message with the file, selected
 * code and additional context it carries), to the chosen model with the template's stop sequences.
 */
@ApplicationScoped
public class ChatService {

    private static final Set<String> ROLES = Set.of("user", "assistant");
    static final int MAX_ANSWER_TOKENS = 1024;
    /** As GitLab's chat Message model: at most this many additional context items per message. */
    static final int MAX_ADDITIONAL_CONTEXT = 100;

    private final ModelAdapterClient adapter;
    private final ModelTargetResolver targets;
    private final GatewayConfig config;
    private final ObjectMapper json;
    private final ModelChoice models;

    private final PromptRegistry prompts;

    public ChatService(ModelAdapterClient adapter, ModelTargetResolver targets, GatewayConfig config,
                       ObjectMapper json, ModelChoice models, PromptRegistry prompts) {
        this.prompts = prompts;
        this.adapter = adapter;
        this.targets = targets;
        this.config = config;
        this.json = json;
        this.models = models;
    }

    /**
     * The answer as GitLab's agent events, one NDJSON line per delta as the model produces it.
     * Always streamed from model-adapter: the events are the streaming format.
     */
    public Multi<byte[]> answer(ChatAgentWire.Request request, Caller caller, String requestId, Deadline deadline,
                                AiRequestMetrics.Observation observation) {
        AdapterWire.GenerateRequest call = prepare(request, caller);
        observation.model(call.model().identifier());
        return AnswerStreams.agentEvents(adapter.stream(call, requestId, deadline), requestId, this::json,
                observation);
    }

    private byte[] json(Object event) {
        try {
            return json.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an agent event", e);
        }
    }

    /**
     * A user-bound token's conversation goes to this gateway's own model; the instance's to the model
     * it names, or, when it names none (a vendored or unassigned feature sent to a cloud gateway), to
     * this gateway's own model as for code suggestions.
     */
    private AdapterWire.GenerateRequest prepare(ChatAgentWire.Request request, Caller caller) {
        if (request == null || request.messages() == null || request.messages().isEmpty()) {
            throw GatewayException.invalid("messages", "at least one message is required");
        }
        ChatAgentWire.ModelMetadata named = request.modelMetadata();
        Optional<GatewayConfig.OwnModel> imposed = models.imposedOn(caller,
                "model_metadata.endpoint, model_metadata.api_key and model_metadata.identifier",
                named == null ? null : named.endpoint(), named == null ? null : named.apiKey(),
                named == null ? null : named.identifier());
        Optional<GatewayConfig.OwnModel> own = imposed.isPresent() ? imposed
                : named == null ? config.ownModel() : Optional.empty();
        ChatAgentWire.ModelMetadata model = own.map(m -> new ChatAgentWire.ModelMetadata("litellm", m.family(),
                m.endpoint(), m.apiKey().orElse(null), m.identifier())).orElse(named);
        if (model == null) {
            throw GatewayException.invalid("model_metadata", "field required for self-hosted models (this gateway has"
                    + " no model of its own for requests without one: enclave.gateway.own-model)");
        }
        ModelFamily family = model.name() == null ? null : ModelFamily.fromWireName(model.name()).orElse(null);
        if (family == null) {
            throw GatewayException.invalid("model_metadata.name", "unknown model family '" + model.name() + "'");
        }
        PromptRegistry.Definition template = prompts.find(family, PromptRegistry.CHAT).orElseThrow(() ->
                GatewayException.invalid("model_metadata.name", "model family '" + family.wireName()
                        + "' is code-only and has no chat prompt: assign Duo Chat a model of a chat family ("
                        + String.join(", ", prompts.familiesWith(PromptRegistry.CHAT))
                        + ") in the instance's self-hosted model settings"));
        List<ChatAgentWire.Message> messages = request.messages();
        int lastUser = -1;
        for (int i = 0; i < messages.size(); i++) {
            ChatAgentWire.Message message = messages.get(i);
            if (message.role() == null || !ROLES.contains(message.role())) {
                throw GatewayException.invalid("messages.role", "must be user or assistant");
            }
            if (message.content() == null || message.content().isBlank()) {
                throw GatewayException.invalid("messages.content", "field required");
            }
            if ("user".equals(message.role())) {
                lastUser = i;
            }
        }
        JsonNode options = request.options() == null ? MissingNode.getInstance() : request.options();
        List<ModelPrompt.Message> conversation = new ArrayList<>();
        conversation.add(new ModelPrompt.Message("system", template.renderSystem(Map.of())));
        for (int i = 0; i < messages.size(); i++) {
            ChatAgentWire.Message message = messages.get(i);
            if ("assistant".equals(message.role())) {
                conversation.add(new ModelPrompt.Message("assistant", message.content()));
                continue;
            }
            // the options' file and context belong to the question being asked: the last user message
            JsonNode currentFile = orOptions(message.currentFile(), i == lastUser, options, "current_file");
            JsonNode additional = orOptions(message.additionalContext(), i == lastUser, options, "additional_context");
            conversation.add(new ModelPrompt.Message("user", template.renderUser(userData(message.content(),
                    currentFile, additional))));
        }
        AdapterWire.ModelTarget target = targets.resolve(model.provider(), model.endpoint(), model.identifier(),
                model.apiKey());
        return new AdapterWire.GenerateRequest(target, null, conversation, MAX_ANSWER_TOKENS, config.temperature(),
                true).withStop(template.stop());
    }

    private static JsonNode orOptions(JsonNode own, boolean lastUser, JsonNode options, String field) {
        if (own != null && !own.isNull()) {
            return own;
        }
        return lastUser ? options.path(field) : MissingNode.getInstance();
    }

    /**
     * The chat user template's data: {@code content}, {@code current_file} ({@code file_path},
     * {@code data}, {@code selected_code}; {@code false} when none) and {@code additional_context}
     * (a list of {@code category}, {@code id}, {@code content}).
     */
    static Map<String, Object> userData(String content, JsonNode currentFile, JsonNode additional) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("content", content);
        if (currentFile != null && currentFile.isObject()) {
            if (!currentFile.path("file_path").isTextual() || !currentFile.path("data").isTextual()) {
                throw GatewayException.invalid("messages.current_file", "file_path and data are required strings");
            }
            JsonNode selected = currentFile.path("selected_code");
            boolean selectedCode = selected.isBoolean() ? selected.booleanValue()
                    : selected.isTextual() && !selected.asText().isEmpty();
            data.put("current_file", Map.of("file_path", currentFile.get("file_path").asText(),
                    "data", currentFile.get("data").asText(), "selected_code", selectedCode));
        } else if (currentFile != null && !currentFile.isMissingNode() && !currentFile.isNull()) {
            throw GatewayException.invalid("messages.current_file", "must be an object {file_path, data, selected_code}");
        } else {
            data.put("current_file", false);
        }
        List<Map<String, Object>> items = new ArrayList<>();
        if (additional != null && additional.isArray()) {
            if (additional.size() > MAX_ADDITIONAL_CONTEXT) {
                throw GatewayException.invalid("messages.additional_context",
                        "at most " + MAX_ADDITIONAL_CONTEXT + " items");
            }
            for (JsonNode item : additional) {
                if (!item.isObject() || !item.path("category").isTextual() || !item.path("content").isTextual()) {
                    throw GatewayException.invalid("messages.additional_context",
                            "each item needs category and content strings (id and metadata optional)");
                }
                items.add(Map.of("category", item.get("category").asText(), "id", item.path("id").asText(""),
                        "content", item.get("content").asText()));
            }
        } else if (additional != null && !additional.isMissingNode() && !additional.isNull()) {
            throw GatewayException.invalid("messages.additional_context",
                    "must be a list of {category, id, content, metadata}");
        }
        data.put("additional_context", items);
        return data;
    }
}
