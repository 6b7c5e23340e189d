package dev.enclave.gateway.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.gateway.client.AdapterWire;
import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.client.ModelAdapterClient;
import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.prompt.ModelFamily;
import dev.enclave.gateway.prompt.ModelPrompt;
import dev.enclave.gateway.rest.ChatAgentWire;
import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.gateway.security.Caller;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Duo Chat for self-hosted models: the conversation, with Duo's system prompt, to the chosen model. */
@ApplicationScoped
public class ChatService {

    static final String SYSTEM = """
            You are GitLab Duo Chat, an AI assistant for software development. Answer the user's \
            question about code, GitLab and DevOps concisely and accurately. Use Markdown for code.""";
    private static final Set<String> ROLES = Set.of("user", "assistant");
    static final int MAX_ANSWER_TOKENS = 1024;

    private final ModelAdapterClient adapter;
    private final ModelTargetResolver targets;
    private final GatewayConfig config;
    private final ObjectMapper json;
    private final ModelChoice models;

    public ChatService(ModelAdapterClient adapter, ModelTargetResolver targets, GatewayConfig config,
                       ObjectMapper json, ModelChoice models) {
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
    public Multi<byte[]> answer(ChatAgentWire.Request request, Caller caller, String requestId, Deadline deadline) {
        AdapterWire.GenerateRequest call = prepare(request, caller);
        return AnswerStreams.agentEvents(adapter.stream(call, requestId, deadline), requestId, this::json);
    }

    private byte[] json(Object event) {
        try {
            return json.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an agent event", e);
        }
    }

    /** A user-bound token's conversation goes to this gateway's own model; the instance's to the model it names. */
    private AdapterWire.GenerateRequest prepare(ChatAgentWire.Request request, Caller caller) {
        if (request == null || request.messages() == null || request.messages().isEmpty()) {
            throw GatewayException.invalid("messages", "at least one message is required");
        }
        ChatAgentWire.ModelMetadata named = request.modelMetadata();
        Optional<GatewayConfig.OwnModel> imposed = models.imposedOn(caller,
                "model_metadata.endpoint, model_metadata.api_key and model_metadata.identifier",
                named == null ? null : named.endpoint(), named == null ? null : named.apiKey(),
                named == null ? null : named.identifier());
        ChatAgentWire.ModelMetadata model = imposed.map(own -> new ChatAgentWire.ModelMetadata("litellm", own.family(),
                own.endpoint(), own.apiKey().orElse(null), own.identifier())).orElse(named);
        if (model == null) {
            throw GatewayException.invalid("model_metadata", "field required for self-hosted models");
        }
        if (model.name() == null || ModelFamily.fromWireName(model.name()).isEmpty()) {
            throw GatewayException.invalid("model_metadata.name", "unknown model family '" + model.name() + "'");
        }
        List<ModelPrompt.Message> conversation = new ArrayList<>();
        conversation.add(new ModelPrompt.Message("system", SYSTEM));
        for (ChatAgentWire.Message message : request.messages()) {
            if (message.role() == null || !ROLES.contains(message.role())) {
                throw GatewayException.invalid("messages.role", "must be user or assistant");
            }
            if (message.content() == null || message.content().isBlank()) {
                throw GatewayException.invalid("messages.content", "field required");
            }
            conversation.add(new ModelPrompt.Message(message.role(), message.content()));
        }
        AdapterWire.ModelTarget target = targets.resolve(model.provider(), model.endpoint(), model.identifier(),
                model.apiKey());
        return new AdapterWire.GenerateRequest(target, null, conversation, MAX_ANSWER_TOKENS, config.temperature(),
                true);
    }
}
