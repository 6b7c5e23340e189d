package dev.enclave.gateway.service;

import dev.enclave.gateway.client.AdapterWire;
import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.client.ModelAdapterClient;
import dev.enclave.gateway.config.ConnectionCheckConfig;
import dev.enclave.gateway.prompt.ModelPrompt;
import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.gateway.rest.PromptWire;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;

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
    private final Duration budget;

    public ModelConfigurationCheck(ModelAdapterClient adapter, ModelTargetResolver targets,
                                   ConnectionCheckConfig config) {
        this.adapter = adapter;
        this.targets = targets;
        this.budget = config.timeout();
    }

    /** @return the model's reply, within the check's budget (or the request's deadline, when sooner) */
    public Uni<String> check(PromptWire.Request request, String requestId, Deadline deadline) {
        return adapter.generate(prepare(request), requestId, deadline.atMost(budget))
                .map(AdapterWire.GenerateResponse::text);
    }

    /**
     * {@code stream: true}: the model's reply as raw text as it arrives; the whole reply must arrive
     * within the budget (503 otherwise, as for {@link #check}, or the stream ends once it began).
     */
    public Multi<byte[]> stream(PromptWire.Request request, String requestId, Deadline deadline) {
        return AnswerStreams.rawText(adapter.stream(prepare(request), requestId, deadline.atMost(budget)), requestId);
    }

    private AdapterWire.GenerateRequest prepare(PromptWire.Request request) {
        if (request == null || request.modelMetadata() == null) {
            throw GatewayException.invalid("model_metadata", "field required");
        }
        PromptWire.ModelMetadata model = request.modelMetadata();
        AdapterWire.ModelTarget target = targets.resolveMetadata(model.endpoint(), model.identifier(), model.apiKey());
        // model-adapter's time (timeout_ms) is set when the call is made, from the time then left
        return new AdapterWire.GenerateRequest(target, null,
                List.of(new ModelPrompt.Message("system", SYSTEM), new ModelPrompt.Message("user", USER)),
                MAX_TOKENS, 0.0, false);
    }
}
