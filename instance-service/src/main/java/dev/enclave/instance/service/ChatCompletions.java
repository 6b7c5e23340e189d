package dev.enclave.instance.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.instance.client.AiGatewayClient;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.domain.Group;
import dev.enclave.instance.domain.Issue;
import dev.enclave.instance.domain.Project;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.security.Actor;
import dev.enclave.instance.security.Authorizer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /chat/completions}: Duo Chat through the gateway chosen for {@code duo_chat}; the
 * gateway's NDJSON events are joined into the bare JSON string GitLab answers with.
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

    public String answer(Actor actor, User aiUser, Request request) {
        long retryAfter = rateLimiter.acquire(RateLimiter.CHAT, aiUser.id);
        if (retryAfter > 0) {
            throw ApiException.tooManyRequests(retryAfter);
        }
        validate(request);
        if (!licensing.mayUseDuo(aiUser)) {
            throw ApiException.forbidden(null);
        }
        String context = QuarkusTransaction.joiningExisting().call(() -> resourceContext(actor, request));
        FeatureRouter.Route route = router.route("duo_chat");
        if (route instanceof FeatureRouter.Route.Disabled) {
            throw ApiException.forbidden(null);
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
            gatewayUrl = ((FeatureRouter.Route.Vendored) route).gatewayUrl().orElseThrow(() ->
                    ApiException.unavailable("duo_chat is routed to the cloud AI gateway, but no cloud gateway URL is "
                            + "configured"));
        }
        if (settings.current().verboseAiLogs()) {
            LOG.infof("Duo Chat request from user %d: %s", aiUser.id, request.content());
        }
        try {
            TokenServiceClient.AiToken token = tokens.tokenFor(List.of("duo_chat"));
            AiGatewayClient.GatewayResponse response = gateway.post(gatewayUrl, "/v2/chat/agent",
                    headers.forCall(aiUser, token), json.writeValueAsBytes(body), settings.current().gatewayTimeout());
            if (response.status() != 200) {
                throw ApiException.of(response.status() >= 500 ? 503 : response.status(), response.status()
                        + " - AI gateway: " + new String(response.body(), StandardCharsets.UTF_8));
            }
            String answer = joinEvents(response.body());
            if (settings.current().verboseAiLogs()) {
                LOG.infof("Duo Chat answer to user %d: %s", aiUser.id, answer);
            }
            return answer;
        } catch (TokenServiceClient.TokenServiceException | AiGatewayClient.GatewayUnavailableException e) {
            throw ApiException.unavailable(e.getMessage());
        } catch (IOException e) {
            throw ApiException.unavailable("the AI gateway's answer is not NDJSON: " + e.getMessage());
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

    private String joinEvents(byte[] ndjson) throws IOException {
        StringBuilder answer = new StringBuilder();
        for (String line : new String(ndjson, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode event = json.readTree(line);
            answer.append(event.path("data").path("text").asText(""));
        }
        return answer.toString();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
