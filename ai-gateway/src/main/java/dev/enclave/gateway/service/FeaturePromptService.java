package dev.enclave.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.enclave.gateway.client.AdapterWire;
import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.client.ModelAdapterClient;
import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.metrics.AiRequestMetrics;
import dev.enclave.gateway.prompt.PromptRegistry;
import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.gateway.rest.PromptWire;
import dev.enclave.gateway.security.Caller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The feature prompts of {@code POST /v1/prompts/{prompt_id}} ({@code chat/explain_code},
 * {@code generate_commit_message} …, see {@link PromptRegistry#featureIds()}): the caller's
 * {@code inputs} in the prompt's templates, to the model its metadata names (a user-bound token:
 * this gateway's own model), within the request's deadline.
 */
@ApplicationScoped
public class FeaturePromptService {

    private final ModelAdapterClient adapter;
    private final ModelTargetResolver targets;
    private final ModelChoice models;
    private final GatewayConfig config;

    public FeaturePromptService(ModelAdapterClient adapter, ModelTargetResolver targets, ModelChoice models,
                                GatewayConfig config) {
        this.adapter = adapter;
        this.targets = targets;
        this.models = models;
        this.config = config;
    }

    /** @return the model's reply */
    public Uni<String> invoke(PromptRegistry.FeaturePrompt prompt, PromptWire.Request request, Caller caller,
                              String requestId, Deadline deadline, AiRequestMetrics.Observation observation) {
        AdapterWire.GenerateRequest call = prepare(prompt, request, caller);
        observation.model(call.model().identifier());
        return adapter.generate(call, requestId, deadline)
                .invoke(answer -> {
                    if (answer.usage() != null) {
                        observation.usage(answer.usage().promptTokens(), answer.usage().completionTokens());
                    }
                })
                .map(AdapterWire.GenerateResponse::text);
    }

    /** {@code stream: true}: the model's reply as raw text as it arrives. */
    public Multi<byte[]> stream(PromptRegistry.FeaturePrompt prompt, PromptWire.Request request, Caller caller,
                                String requestId, Deadline deadline, AiRequestMetrics.Observation observation) {
        AdapterWire.GenerateRequest call = prepare(prompt, request, caller);
        observation.model(call.model().identifier());
        return AnswerStreams.rawText(adapter.stream(call, requestId, deadline), requestId, observation);
    }

    AdapterWire.GenerateRequest prepare(PromptRegistry.FeaturePrompt prompt, PromptWire.Request request,
                                        Caller caller) {
        Map<String, Object> data = inputs(prompt, request == null ? null : request.inputs());
        AdapterWire.ModelTarget target = ModelConfigurationCheck.target(request, caller, models, targets);
        return new AdapterWire.GenerateRequest(target, null, prompt.render(data), prompt.maxTokens(),
                config.temperature(), false).withStop(prompt.stop());
    }

    /**
     * The template's data: every input the prompt needs (422 naming those missing, in the words of
     * GitLab's gateway, which answers LangChain's missing-variables error), the optional ones empty
     * when not sent. Strings are used as they are, other JSON values as JSON text.
     */
    static Map<String, Object> inputs(PromptRegistry.FeaturePrompt prompt, JsonNode inputs) {
        if (inputs != null && !inputs.isNull() && !inputs.isObject()) {
            throw GatewayException.invalid("inputs", "must be an object of the prompt's input values");
        }
        List<String> missing = new ArrayList<>();
        Map<String, Object> data = new HashMap<>();
        for (String name : prompt.inputs()) {
            JsonNode value = inputs == null ? null : inputs.get(name);
            if (value == null || value.isNull()) {
                missing.add("'" + name + "'");
            } else {
                data.put(name, value.isTextual() ? value.asText() : value.toString());
            }
        }
        if (!missing.isEmpty()) {
            throw GatewayException.unprocessable("Input to the prompt '" + prompt.id() + "' is missing variables {"
                    + String.join(", ", missing) + "}");
        }
        for (String name : prompt.optionalInputs()) {
            JsonNode value = inputs == null ? null : inputs.get(name);
            data.put(name, value == null || value.isNull() ? "" : value.isTextual() ? value.asText() : value.toString());
        }
        return data;
    }
}
