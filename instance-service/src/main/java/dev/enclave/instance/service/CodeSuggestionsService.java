package dev.enclave.instance.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.enclave.instance.client.AiGatewayClient;
import dev.enclave.instance.client.Deadline;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.config.InstanceConfig;
import dev.enclave.instance.domain.AiUsageRecord;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /code_suggestions/completions}: validates the body as GitLab does, routes the
 * feature, and forwards to the chosen AI gateway with a self-issued token.
 * <p>
 * {@link #complete} does the blocking part (cached checks, the AI token) on the caller's worker
 * thread and throws {@link ApiException} for refusals; what it returns is the non-blocking
 * gateway call, which holds no thread while the gateway works. With {@code stream: true} the
 * gateway's raw text chunks are passed on as they arrive.
 */
@ApplicationScoped
public class CodeSuggestionsService {

    private static final Logger LOG = Logger.getLogger(CodeSuggestionsService.class);

    static final int MAX_BODY_BYTES = 600_000;
    static final int MAX_CONTENT_ABOVE_CURSOR = 400_000;
    static final int FORWARDED_CURSOR_CONTENT = 100_000;
    static final int MAX_FILE_NAME = 255;
    private static final Set<String> INTENTS = Set.of("completion", "generation");
    private static final Set<String> GENERATION_TYPES = Set.of("comment", "empty_function", "small_file");
    /** Fields only the instance may set: a client must not pick the model server the gateway calls. */
    private static final List<String> INSTANCE_OWNED_FIELDS = List.of("model_provider", "model_endpoint",
            "model_api_key", "model_identifier", "model_name", "prompt_version", "prompt", "prompt_id");

    /** The gateway's status, content type and body (streamed, or its whole JSON answer as one piece). */
    public record Forwarded(int status, String contentType, Multi<byte[]> body) {
    }

    /** What editors get for a streamed suggestion: raw text, under GitLab's content type. */
    public static final String STREAM_CONTENT_TYPE = "text/event-stream";

    private final FeatureRouter router;
    private final AiTokenCache tokens;
    private final AiGatewayClient gateway;
    private final GatewayHeaders headers;
    private final Licensing licensing;
    private final RateLimiter rateLimiter;
    private final AiSettingsService settings;
    private final InstanceConfig config;
    private final UsageRecorder usage;

    public CodeSuggestionsService(FeatureRouter router, AiTokenCache tokens, AiGatewayClient gateway,
                                  GatewayHeaders headers, Licensing licensing, RateLimiter rateLimiter,
                                  AiSettingsService settings, InstanceConfig config, UsageRecorder usage) {
        this.usage = usage;
        this.settings = settings;
        this.config = config;
        this.rateLimiter = rateLimiter;
        this.headers = headers;
        this.licensing = licensing;
        this.router = router;
        this.tokens = tokens;
        this.gateway = gateway;
    }

    public Uni<Forwarded> complete(User user, ObjectNode body, int bodyBytes) {
        // The budget covers the whole request, these checks and a stream included.
        Deadline deadline = Deadline.start(config.gatewayTimeout());
        long startNanos = System.nanoTime();
        long retryAfter = rateLimiter.acquire(RateLimiter.Bucket.CODE_SUGGESTIONS, user.id);
        if (retryAfter > 0) {
            throw ApiException.tooManyRequests(retryAfter);
        }
        if (!licensing.mayUseDuo(user)) {
            throw ApiException.unauthorized();
        }
        String intent = text(body, "intent");
        if (intent != null && !INTENTS.contains(intent)) {
            throw ApiException.badRequest("intent does not have a valid value");
        }
        boolean generation = "generation".equals(intent);
        String feature = generation ? "code_generations" : "code_completions";

        FeatureRouter.Route route = router.route(feature);
        if (route instanceof FeatureRouter.Route.Disabled) {
            throw ApiException.unauthorized();
        }
        if (bodyBytes > MAX_BODY_BYTES) {
            throw ApiException.tooLarge();
        }
        validate(body);
        trimCursorContent(body);
        INSTANCE_OWNED_FIELDS.forEach(body::remove);

        String gatewayUrl;
        String modelName;
        if (route instanceof FeatureRouter.Route.SelfHosted selfHosted) {
            gatewayUrl = selfHosted.gatewayUrl();
            modelName = selfHosted.model().name();
            addModelMetadata(body, selfHosted.model(), generation);
        } else {
            gatewayUrl = ((FeatureRouter.Route.Vendored) route).requireGatewayUrl();
            modelName = UsageRecorder.VENDORED;
        }

        String scope = generation ? "generate_code" : "complete_code";
        TokenServiceClient.AiToken token;
        try {
            // with the unit primitives that let the client's context[] files and snippets into the prompt
            token = tokens.tokenFor(List.of(scope, "include_file_context", "include_snippet_context"));
        } catch (TokenServiceClient.TokenServiceException e) {
            LOG.errorf("No AI token for %s: %s", feature, e.getMessage());
            throw tokens.unavailable(e);
        }
        String path = generation ? "/v2/code/generations" : "/v2/code/completions";
        boolean verbose = settings.current().verboseAiLogs();
        long userId = user.id;
        if (verbose) {
            LOG.infof("%s request from user %d: %s", feature, userId, body.path("current_file"));
        }
        Map<String, String> callHeaders = headers.forCall(user, token);
        byte[] payload = body.toString().getBytes(StandardCharsets.UTF_8);
        boolean stream = body.path("stream").asBoolean(false);
        Uni<Forwarded> answer;
        if (stream) {
            answer = gateway.stream(gatewayUrl, path, callHeaders, payload, deadline).map(response -> {
                if (verbose) {
                    LOG.infof("%s answer to user %d: %d, streamed", feature, userId, response.status());
                }
                boolean ok = response.status() / 100 == 2;
                // A break after the head went out can only end the response; say why in the log.
                Multi<byte[]> chunks = response.body().onFailure().invoke(e ->
                        LOG.warnf("%s stream to user %d ended early: %s", feature, userId, e.getMessage()))
                        // one usage record when the stream ends, however it ends (tokens: not told in a stream)
                        .onTermination().invoke((failure, cancelled) -> usage.record(startNanos, userId, feature,
                                modelName, null, null, cancelled ? AiUsageRecord.Outcome.CANCELLED
                                        : ok && failure == null ? AiUsageRecord.Outcome.SUCCESS
                                        : AiUsageRecord.Outcome.ERROR));
                return new Forwarded(response.status(), ok ? STREAM_CONTENT_TYPE : response.contentType(), chunks);
            });
        } else {
            answer = gateway.post(gatewayUrl, path, callHeaders, payload, deadline).map(response -> {
                if (verbose) {
                    LOG.infof("%s answer to user %d: %d %s", feature, userId, response.status(),
                            new String(response.body(), StandardCharsets.UTF_8));
                }
                boolean ok = response.status() / 100 == 2;
                UsageRecorder.Tokens used = ok ? UsageRecorder.Tokens.of(response.body()) : UsageRecorder.Tokens.NONE;
                usage.record(startNanos, userId, feature, modelName, used.input(), used.output(),
                        ok ? AiUsageRecord.Outcome.SUCCESS : AiUsageRecord.Outcome.ERROR);
                return new Forwarded(response.status(), response.contentType(),
                        Multi.createFrom().item(response.body()));
            }).onCancellation().invoke(() -> usage.record(startNanos, userId, feature, modelName, null, null,
                    AiUsageRecord.Outcome.CANCELLED));
        }
        return answer.onFailure(AiGatewayClient.GatewayUnavailableException.class).transform(e -> {
            LOG.warnf("%s: %s", feature, e.getMessage());
            usage.record(startNanos, userId, feature, modelName, null, null, AiUsageRecord.Outcome.UNAVAILABLE);
            return ApiException.unavailable(e.getMessage(),
                    ((AiGatewayClient.GatewayUnavailableException) e).retryAfterSeconds());
        });
    }

    private static void validate(ObjectNode body) {
        JsonNode file = body.get("current_file");
        if (file == null || !file.isObject()) {
            throw ApiException.badRequest("current_file is missing");
        }
        String fileName = text(file, "file_name");
        if (fileName == null) {
            throw ApiException.badRequest("current_file[file_name] is missing");
        }
        if (fileName.length() > MAX_FILE_NAME) {
            throw ApiException.badRequest("current_file[file_name] is too long (maximum is " + MAX_FILE_NAME
                    + " characters)");
        }
        String above = text(file, "content_above_cursor");
        if (above == null) {
            throw ApiException.badRequest("current_file[content_above_cursor] is missing");
        }
        if (above.length() > MAX_CONTENT_ABOVE_CURSOR) {
            throw ApiException.badRequest("current_file[content_above_cursor] is too long (maximum is "
                    + MAX_CONTENT_ABOVE_CURSOR + " characters)");
        }
        String generationType = text(body, "generation_type");
        if (generationType != null && !GENERATION_TYPES.contains(generationType)) {
            throw ApiException.badRequest("generation_type does not have a valid value");
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isBoolean()) {
            throw ApiException.badRequest("stream is invalid");
        }
    }

    /** GitLab forwards only the 100,000 characters nearest the cursor on each side. */
    private static void trimCursorContent(ObjectNode body) {
        ObjectNode file = (ObjectNode) body.get("current_file");
        String above = text(file, "content_above_cursor");
        if (above != null && above.length() > FORWARDED_CURSOR_CONTENT) {
            file.put("content_above_cursor", above.substring(above.length() - FORWARDED_CURSOR_CONTENT));
        }
        String below = text(file, "content_below_cursor");
        if (below != null && below.length() > FORWARDED_CURSOR_CONTENT) {
            file.put("content_below_cursor", below.substring(0, FORWARDED_CURSOR_CONTENT));
        }
    }

    private static void addModelMetadata(ObjectNode body, FeatureRouter.ModelMetadata model, boolean generation) {
        body.put("model_provider", "litellm");
        body.put("model_endpoint", model.endpoint());
        body.put("model_api_key", model.apiKey() == null ? "" : model.apiKey());
        body.put("model_identifier", model.gatewayIdentifier());
        body.put("model_name", model.family());
        if (generation) {
            body.put("prompt_id", "code_suggestions/generations");
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
