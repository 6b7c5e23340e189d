package dev.enclave.instance.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.instance.client.AiGatewayClient;
import dev.enclave.instance.client.Deadline;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.domain.Group;
import dev.enclave.instance.domain.Issue;
import dev.enclave.instance.domain.Project;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.security.Actor;
import dev.enclave.instance.security.Authorizer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /chat/completions}: Duo Chat through the gateway chosen for {@code duo_chat}; the
 * gateway's NDJSON events are joined into the bare JSON string GitLab answers with. The checks run
 * on the caller's worker; the gateway call and the reading of its events hold no thread, and an
 * {@code error} event from the gateway becomes a 503 naming the gateway's message.
 */
@ApplicationScoped
public class ChatCompletions {

    private static final Logger LOG = Logger.getLogger(ChatCompletions.class);

    public record Request(String content, String resourceType, Long resourceId, String refererUrl,
                          String clientSubscriptionId) {
        @Override
        public String toString() {
            return "ChatRequest[resource=" + resourceType + "/" + resourceId + "]";
        }
    }

    static final int MAX_CONTENT = 1000;
    private static final List<String> RESOURCE_TYPES = List.of("issue", "epic", "group", "project", "merge_request",
            "commit", "build", "work_item");

    private final FeatureRouter router;
    private final AiTokenCache tokens;
    private final AiGatewayClient gateway;
    private final GatewayHeaders headers;
    private final Licensing licensing;
    private final RateLimiter rateLimiter;
    private final Authorizer authorizer;
    private final AiSettingsService settings;
    private final ObjectMapper json;

    public ChatCompletions(FeatureRouter router, AiTokenCache tokens, AiGatewayClient gateway, GatewayHeaders headers,
                           Licensing licensing, RateLimiter rateLimiter, Authorizer authorizer,
                           AiSettingsService settings, ObjectMapper json) {
        this.router = router;
        this.tokens = tokens;
        this.gateway = gateway;
        this.headers = headers;
        this.licensing = licensing;
        this.rateLimiter = rateLimiter;
        this.authorizer = authorizer;
        this.settings = settings;
        this.json = json;
    }

    public Uni<String> answer(Actor actor, User aiUser, Request request) {
        // The budget (the AI settings' timeout) covers the whole request, these checks included.
        Deadline deadline = Deadline.start(settings.current().gatewayTimeout());
        long retryAfter = rateLimiter.acquire(RateLimiter.Bucket.CHAT, aiUser.id);
        if (retryAfter > 0) {
            throw ApiException.tooManyRequests(retryAfter);
        }
        validate(request);
        String context = QuarkusTransaction.joiningExisting().call(() -> resourceContext(actor, request));
        // GitLab's chat API: `not_found! unless user_allowed?(resource)`, where user_allowed? needs
        // `user.can?(:access_duo_chat)` (ChatAuthorizer): no seat, or chat disabled, is a 404.
        FeatureRouter.Route route = router.route("duo_chat");
        if (!licensing.mayUseDuo(aiUser) || route instanceof FeatureRouter.Route.Disabled) {
            throw ApiException.notFound(null);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("messages", List.of(Map.of("role", "user",
                "content", context == null ? request.content() : request.content() + "\n\n" + context)));
        body.put("options", Map.of());
        String gatewayUrl;
        if (route instanceof FeatureRouter.Route.SelfHosted selfHosted) {
            gatewayUrl = selfHosted.gatewayUrl();
            body.put("model_metadata", selfHosted.model().gatewayMetadata());
        } else {
            // The cloud gateway answers from its own model: no model_metadata, as GitLab sends none.
            gatewayUrl = ((FeatureRouter.Route.Vendored) route).requireGatewayUrl();
        }
        AiSettingsService.Effective current = settings.current();
        boolean verbose = current.verboseAiLogs();
        long userId = aiUser.id;
        if (verbose) {
            LOG.infof("Duo Chat request from user %d: %s", userId, request.content());
        }
        Map<String, String> callHeaders;
        byte[] payload;
        try {
            callHeaders = headers.forCall(aiUser, tokens.tokenFor(List.of("duo_chat")));
            payload = json.writeValueAsBytes(body);
        } catch (TokenServiceClient.TokenServiceException e) {
            throw ApiException.unavailable(e.getMessage());
        } catch (IOException e) {
            LOG.errorf("Cannot encode a chat request: %s", e.getMessage());
            throw ApiException.unavailable("instance-service could not encode the chat request");
        }
        return gateway.stream(gatewayUrl, "/v2/chat/agent", callHeaders, payload, deadline)
                .onItem().<String>transformToUni(response -> {
                    if (response.status() != 200) {
                        return response.body().collect().in(ByteArrayOutputStream::new, ByteArrayOutputStream::writeBytes)
                                .onItem().transformToUni(error -> Uni.createFrom().<String>failure(ApiException.of(
                                        response.status() >= 500 ? 503 : response.status(), response.status()
                                                + " - AI gateway: " + error.toString(StandardCharsets.UTF_8))));
                    }
                    // Events are read as they arrive; an error event fails the collection, which
                    // cancels the stream and closes the gateway connection.
                    return response.body().collect().in(() -> new EventJoiner(json), EventJoiner::accept)
                            .map(EventJoiner::finish);
                })
                .onItem().invoke(answer -> {
                    if (verbose) {
                        LOG.infof("Duo Chat answer to user %d: %s", userId, answer);
                    }
                })
                .onFailure(AiGatewayClient.GatewayUnavailableException.class)
                .transform(e -> ApiException.unavailable(e.getMessage(),
                        ((AiGatewayClient.GatewayUnavailableException) e).retryAfterSeconds()));
    }

    /**
     * Joins the {@code data.text} of the gateway's NDJSON events, line by line as bytes arrive (a
     * line, or a UTF-8 character, may be split across pieces: lines are cut at the newline byte).
     */
    static final class EventJoiner {
        private final ObjectMapper json;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final StringBuilder answer = new StringBuilder();

        EventJoiner(ObjectMapper json) {
            this.json = json;
        }

        void accept(byte[] chunk) {
            int lineStart = 0;
            for (int i = 0; i < chunk.length; i++) {
                if (chunk[i] == '\n') {
                    pending.write(chunk, lineStart, i - lineStart);
                    line(pending.toByteArray());
                    pending.reset();
                    lineStart = i + 1;
                }
            }
            pending.write(chunk, lineStart, chunk.length - lineStart);
        }

        String finish() {
            line(pending.toByteArray());
            return answer.toString();
        }

        private void line(byte[] bytes) {
            String line = new String(bytes, StandardCharsets.UTF_8);
            if (line.isBlank()) {
                return;
            }
            JsonNode event;
            try {
                event = json.readTree(line);
            } catch (IOException e) {
                LOG.warnf("The AI gateway's chat answer is not NDJSON: %s", e.getMessage());
                throw ApiException.unavailable("AI gateway: its answer is not NDJSON");
            }
            if ("error".equals(event.path("type").asText())) {
                JsonNode data = event.path("data");
                String message = data.path("message").asText(event.path("message").asText(
                        event.path("error").asText("no message")));
                throw ApiException.unavailable("AI gateway: the chat failed: " + message);
            }
            answer.append(event.path("data").path("text").asText(""));
        }
    }

    private static void validate(Request request) {
        if (request.content() == null || request.content().isBlank()) {
            throw ApiException.badRequest("content is missing");
        }
        if (request.content().length() > MAX_CONTENT) {
            throw ApiException.badRequest("content is too long (maximum is " + MAX_CONTENT + " characters)");
        }
        if (request.resourceType() != null && !RESOURCE_TYPES.contains(request.resourceType())) {
            throw ApiException.badRequest("resource_type does not have a valid value");
        }
        if (request.refererUrl() != null && request.refererUrl().length() > 1000) {
            throw ApiException.badRequest("referer_url is too long (maximum is 1000 characters)");
        }
        if (request.clientSubscriptionId() != null && request.clientSubscriptionId().length() > 500) {
            throw ApiException.badRequest("client_subscription_id is too long (maximum is 500 characters)");
        }
    }

    /** 404 unless the caller may read the named resource; otherwise a short description for the model. */
    private String resourceContext(Actor actor, Request request) {
        if (request.resourceType() == null) {
            return null;
        }
        if (request.resourceId() == null) {
            throw ApiException.badRequest("resource_id is missing");
        }
        switch (request.resourceType()) {
            case "project" -> {
                Project project = Project.<Project>findByIdOptional(request.resourceId())
                        .orElseThrow(() -> ApiException.notFound("Project"));
                authorizer.authorize(actor, Authorizer.ProjectAction.READ, project);
                return "The question is about project " + project.fullPath + ": " + nullToEmpty(project.description);
            }
            case "issue" -> {
                Issue issue = Issue.<Issue>findByIdOptional(request.resourceId())
                        .orElseThrow(() -> ApiException.notFound("Issue"));
                if (!authorizer.canRead(actor, issue.project)) {
                    throw ApiException.notFound("Issue");
                }
                return "The question is about issue #" + issue.iid + " \"" + issue.title + "\": "
                        + nullToEmpty(issue.description);
            }
            case "group" -> {
                Group group = Group.<Group>findByIdOptional(request.resourceId())
                        .orElseThrow(() -> ApiException.notFound("Group"));
                authorizer.authorize(actor, Authorizer.GroupAction.READ, group);
                return "The question is about group " + group.fullPath + ".";
            }
            // This instance hosts no epics, merge requests, commits, builds or work items.
            default -> throw ApiException.notFound(null);
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
