package dev.enclave.gateway.service;

import dev.enclave.gateway.client.AdapterWire;
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
 * within the check's budget (3 s, as the instance waits); streamed ({@code stream: true}),
 * model-adapter must answer, and then send each piece, within it.
 */
@ApplicationScoped
public class ModelConfigurationCheck {

    public static final String PROMPT_ID = "model_configuration/check";
    /** As GitLab's check prompt: a few tokens at temperature 0 are enough to prove the model answers. */
    static final int MAX_TOKENS = 12;
    static final String SYSTEM = "You are checking that a connection to a language model works.";
    static final String USER = "Reply with OK.";
    /** What model-adapter may not spend of the budget, so its own timeout answer still arrives in time. */
    static final Duration RETURN_MARGIN = Duration.ofMillis(250);

    private final ModelAdapterClient adapter;
    private final ModelTargetResolver targets;
    private final Duration budget;

    public ModelConfigurationCheck(ModelAdapterClient adapter, ModelTargetResolver targets,
                                   ConnectionCheckConfig config) {
        this.adapter = adapter;
        this.targets = targets;
        this.budget = config.timeout();
    }

    /** @return the model's reply, within the check's budget */
    public Uni<String> check(PromptWire.Request request, String requestId) {
        return adapter.generateWithin(prepare(request), requestId, budget).map(AdapterWire.GenerateResponse::text);
    }

    /**
     * {@code stream: true}: the model's reply as raw text as it arrives. model-adapter must start
     * answering within the budget (503 otherwise, as for {@link #check}); the model itself has the
     * budget less the margin, as {@code timeout_ms}.
     */
    public Multi<byte[]> stream(PromptWire.Request request, String requestId) {
        AdapterWire.GenerateRequest call = prepare(request);
        Multi<AdapterWire.StreamEvent> events = adapter.stream(call, requestId).ifNoItem().after(budget)
                .failWith(() -> GatewayException.unavailable("model-adapter did not answer within "
                        + ModelAdapterClient.seconds(budget)));
        return AnswerStreams.rawText(events, requestId);
    }

    private AdapterWire.GenerateRequest prepare(PromptWire.Request request) {
        if (request == null || request.modelMetadata() == null) {
            throw GatewayException.invalid("model_metadata", "field required");
        }
        PromptWire.ModelMetadata model = request.modelMetadata();
        AdapterWire.ModelTarget target = targets.resolveMetadata(model.endpoint(), model.identifier(), model.apiKey());
        long adapterDeadline = Math.max(1, budget.minus(RETURN_MARGIN).toMillis());
        return new AdapterWire.GenerateRequest(target, null,
                List.of(new ModelPrompt.Message("system", SYSTEM), new ModelPrompt.Message("user", USER)),
                MAX_TOKENS, 0.0, false, (int) adapterDeadline);
    }
}
