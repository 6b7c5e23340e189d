package dev.enclave.gateway.service;

import dev.enclave.gateway.client.AdapterWire;
import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.client.ModelAdapterClient;
import dev.enclave.gateway.config.ConnectionCheckConfig;
import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.prompt.ModelPrompt;
import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.gateway.rest.PromptWire;
import dev.enclave.gateway.security.Caller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code model_configuration/check} prompt: the instance's "test connection" for a self-hosted
 * model. A tiny chat prompt goes through model-adapter to the model, and the whole call must end
 * within the check's budget (3 s, as the instance waits), streamed ({@code stream: true}) or not;
 * model-adapter gets the time left less the gateway's margin.
 */
@ApplicationScoped
public class ModelConfigurationCheck {

    public static final String PROMPT_ID = "model_configuration/check";
    /** As GitLab's check prompt: a few tokens at temperature 0 are enough to prove the model answers. */
    static final int MAX_TOKENS = 12;
    static final String SYSTEM = "You are checking that a connection to a language model works.";
    static final String USER = "Reply with OK.";

    private final ModelAdapterClient adapter;
    private final ModelTargetResolver targets;
    private final ModelChoice models;
    private final Duration budget;

    public ModelConfigurationCheck(ModelAdapterClient adapter, ModelTargetResolver targets, ModelChoice models,
                                   ConnectionCheckConfig config) {
        this.adapter = adapter;
        this.targets = targets;
        this.models = models;
        this.budget = config.timeout();
    }

    /** @return the model's reply, within the check's budget (or the request's deadline, when sooner) */
    public Uni<String> check(PromptWire.Request request, Caller caller, String requestId, Deadline deadline) {
        return adapter.generate(prepare(request, caller), requestId, deadline.atMost(budget))
                .map(AdapterWire.GenerateResponse::text);
    }

    /**
     * {@code stream: true}: the model's reply as raw text as it arrives; the whole reply must arrive
     * within the budget (503 otherwise, as for {@link #check}, or the stream ends once it began).
     */
    public Multi<byte[]> stream(PromptWire.Request request, Caller caller, String requestId, Deadline deadline) {
        return AnswerStreams.rawText(adapter.stream(prepare(request, caller), requestId, deadline.atMost(budget)), requestId);
    }

    /** A user-bound token checks this gateway's own model; the instance's token the model its metadata names. */
    private AdapterWire.GenerateRequest prepare(PromptWire.Request request, Caller caller) {
        AdapterWire.ModelTarget target = target(request, caller, models, targets);
        // model-adapter's time (timeout_ms) is set when the call is made, from the time then left
        return new AdapterWire.GenerateRequest(target, null,
                List.of(new ModelPrompt.Message("system", SYSTEM), new ModelPrompt.Message("user", USER)),
                MAX_TOKENS, 0.0, false);
    }

    /** The model a {@code /v1/prompts} call goes to: the own model for a user-bound token, else the metadata's. */
    static AdapterWire.ModelTarget target(PromptWire.Request request, Caller caller, ModelChoice models,
                                          ModelTargetResolver targets) {
        PromptWire.ModelMetadata model = request == null ? null : request.modelMetadata();
        Optional<GatewayConfig.OwnModel> imposed = models.imposedOn(caller,
                "model_metadata.endpoint, model_metadata.api_key and model_metadata.identifier",
                model == null ? null : model.endpoint(), model == null ? null : model.apiKey(),
                model == null ? null : model.identifier());
        AdapterWire.ModelTarget target;
        if (imposed.isPresent()) {
            GatewayConfig.OwnModel own = imposed.get();
            target = targets.resolveMetadata(own.endpoint(), own.identifier(), own.apiKey().orElse(null));
        } else if (model == null) {
            throw GatewayException.invalid("model_metadata", "field required");
        } else {
            target = targets.resolveMetadata(model.endpoint(), model.identifier(), model.apiKey());
        }
        return target;
    }
}
