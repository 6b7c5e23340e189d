package dev.enclave.instance.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.instance.client.AiGatewayClient;
import dev.enclave.instance.client.Deadline;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.domain.SelfHostedModel;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * GitLab's {@code aiSelfHostedModelConnectionCheck}: a real request through the self-hosted
 * gateway ({@code /v1/prompts/model_configuration%2Fcheck}) and model-adapter to the model,
 * answered with {@code {success, message, errors}} within a few seconds. Each failure says which
 * hop refused: the allowlist here, the gateway, the adapter's egress check, or the model server.
 */
@ApplicationScoped
public class ModelConnectionCheck {

    public record Result(boolean success, String message, List<String> errors) {
        static Result ok() {
            return new Result(true, "Successfully connected to the self-hosted model", List.of());
        }

        static Result failed(String error) {
            return new Result(false, "Connection to the self-hosted model failed: " + error, List.of(error));
        }
    }

    static final String CHECK_PATH = "/v1/prompts/model_configuration%2Fcheck";
    /** GitLab's gateway gives the check 3 s; the instance allows for the hops around it. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final AiSettingsService settings;
    private final SelfHostedModels models;
    private final AiTokenCache tokens;
    private final AiGatewayClient gateway;
    private final GatewayHeaders headers;
    private final ObjectMapper json;

    public ModelConnectionCheck(AiSettingsService settings, SelfHostedModels models, AiTokenCache tokens,
                                AiGatewayClient gateway, GatewayHeaders headers, ObjectMapper json) {
        this.settings = settings;
        this.models = models;
        this.tokens = tokens;
        this.gateway = gateway;
        this.headers = headers;
        this.json = json;
    }

    /** Runs its blocking part on the caller's thread; the gateway call itself holds none. */
    public Uni<Result> check(SelfHostedModel model) {
        return check(model.model, model.provider, model.endpoint, model.identifier, models.decryptApiToken(model));
    }

    public Uni<Result> check(SelfHostedModels.Fields fields) {
        if (fields.endpoint() == null || fields.identifier() == null || fields.model() == null) {
            return Uni.createFrom().item(Result.failed("model, endpoint and identifier are required"));
        }
        String provider = fields.provider() == null || "api".equals(fields.provider()) ? "openai_compatible"
                : fields.provider();
        return check(fields.model(), provider, fields.endpoint(), fields.identifier(), fields.apiToken());
    }

    private Uni<Result> check(String family, String provider, String endpoint, String identifier, String apiKey) {
        AiSettingsService.Effective current = settings.current();
        Optional<String> refusal = current.allowlist().refusal(endpoint);
        if (refusal.isPresent()) {
            return Uni.createFrom().item(Result.failed(refusal.get()));
        }
        Map<String, Object> metadata = new FeatureRouter.ModelMetadata(0, null, family, provider, endpoint, identifier,
                apiKey).gatewayMetadata();
        Map<String, Object> body = Map.of("inputs", Map.of(), "prompt_version", "1.0.0", "stream", false,
                "model_metadata", metadata);
        Map<String, String> callHeaders;
        byte[] payload;
        try {
            callHeaders = headers.forCall(null, tokens.tokenFor(List.of("complete_code")));
            payload = json.writeValueAsBytes(body);
        } catch (TokenServiceClient.TokenServiceException e) {
            return Uni.createFrom().item(Result.failed(e.getMessage()));
        } catch (IOException e) {
            return Uni.createFrom().item(Result.failed("cannot encode the check request: " + e.getMessage()));
        }
        return gateway.post(current.aiGatewayUrl(), CHECK_PATH, callHeaders, payload, Deadline.start(TIMEOUT))
                .map(response -> response.status() == 200 ? Result.ok()
                        : Result.failed("AI gateway answered " + response.status() + ": " + reason(response.body())))
                .onFailure(AiGatewayClient.GatewayUnavailableException.class)
                .recoverWithItem(e -> Result.failed(e.getMessage()));
    }

    /** The gateway's {@code detail} (a string, or FastAPI's validation list) or {@code error}. */
    private String reason(byte[] body) {
        try {
            JsonNode node = json.readTree(body);
            JsonNode detail = node.path("detail");
            if (detail.isTextual()) {
                return detail.asText();
            }
            if (detail.isArray()) {
                return detail.toString();
            }
            return node.path("error").asText(new String(body, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
