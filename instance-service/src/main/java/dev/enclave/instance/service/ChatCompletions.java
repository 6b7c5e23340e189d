package dev.enclave.instance.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.enclave.instance.client.AiGatewayClient;
import dev.enclave.instance.client.Deadline;
import dev.enclave.instance.client.TokenServiceClient;
import dev.enclave.instance.domain.AiUsageRecord;
import dev.enclave.instance.domain.Group;
import dev.enclave.instance.domain.Issue;
import dev.enclave.instance.domain.Project;
import dev.enclave.instance.domain.User;
import dev.enclave.instance.rest.ApiException;
import dev.enclave.instance.security.Actor;
import dev.enclave.instance.security.Authorizer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

    /**
     * GitLab's chat parameters. {@code resourceId} is a string (a commit's hash, or an id as sent);
     * the file's and the context items' text is never written to logs.
     */
    public record Request(String content, String resourceType, String resourceId, String refererUrl,
                          String clientSubscriptionId, boolean withCleanHistory, Long projectId,
                          CurrentFile currentFile, List<AdditionalContext> additionalContext) {
        @Override
        public String toString() {
            return "ChatRequest[resource=" + resourceType + "/" + resourceId + "]";
        }
    }

    /** The editor's file: its name, the text around the cursor, and the user's selection. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CurrentFile(String fileName, String contentAboveCursor, String contentBelowCursor,
                              String selectedText) {
        @Override
        public String toString() {
            return "CurrentFile[" + fileName + "]";
        }
    }

    /** One item of {@code additional_context[]}, forwarded to the gateway as it came. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AdditionalContext(String category, String id, String content, Map<String, Object> metadata) {
        @Override
        public String toString() {
            return "AdditionalContext[" + category + ", " + id + "]";
        }
    }

    static final int MAX_CONTENT = 1000;
    static final int MAX_RESOURCE_TYPE = 100;
    private static final List<String> RESOURCE_TYPES = List.of("issue", "epic", "group", "project", "merge_request",
            "commit", "build", "work_item");
    /** GitLab's chat API: {@code current_file[file_name]} up to 1000 characters, the texts up to MAX_CONTENT_SIZE. */
    static final int MAX_FILE_NAME = 1000;
    static final int MAX_FILE_TEXT = CodeSuggestionsService.MAX_CONTENT_ABOVE_CURSOR;
    /**
     * The categories GitLab accepts ({@code Ai::AdditionalContext::DUO_CHAT_CONTEXT_CATEGORIES}) and
     * its AI gateway's {@code AdditionalContext.category} allows.
     */
    static final List<String> CONTEXT_CATEGORIES = List.of("file", "snippet", "merge_request", "issue", "dependency",
            "local_git", "terminal", "repository", "directory");
    /** {@code Ai::AdditionalContext::MAX_CONTEXT_TYPE_SIZE} and {@code MAX_BODY_SIZE}. */
    static final int MAX_CONTEXT_ID = 255;
    static final int MAX_CONTEXT_CONTENT = CodeSuggestionsService.MAX_BODY_BYTES;
    /** GitLab's answer to a record that does not exist ({@code rescue_from ActiveRecord::RecordNotFound}). */
    private static final String RECORD_NOT_FOUND = "404 Not found";

    private final FeatureRouter router;
    private final AiTokenCache tokens;
    private final AiGatewayClient gateway;
    private final GatewayHeaders headers;
    private final Licensing licensing;
    private final RateLimiter rateLimiter;
    private final Authorizer authorizer;
    private final AiSettingsService settings;
    private final ChatHistory history;
    private final ObjectMapper json;
    private final UsageRecorder usage;

    public ChatCompletions(FeatureRouter router, AiTokenCache tokens, AiGatewayClient gateway, GatewayHeaders headers,
                           Licensing licensing, RateLimiter rateLimiter, Authorizer authorizer,
                           AiSettingsService settings, ChatHistory history, ObjectMapper json, UsageRecorder usage) {
        this.usage = usage;
        this.history = history;
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
        long startNanos = System.nanoTime();
        long retryAfter = rateLimiter.acquire(RateLimiter.Bucket.CHAT, aiUser.id);
        if (retryAfter > 0) {
            throw ApiException.tooManyRequests(retryAfter);
        }
        validate(request);
        Map<String, Object> pageContext = QuarkusTransaction.joiningExisting().call(() -> pageContext(actor, request));
        // GitLab's chat API: `not_found! unless user_allowed?(resource)`, where user_allowed? needs
        // `user.can?(:access_duo_chat)` (ChatAuthorizer): no seat, or chat disabled, is a 404.
        FeatureRouter.Route route = router.route("duo_chat");
        if (!licensing.mayUseDuo(aiUser) || route instanceof FeatureRouter.Route.Disabled) {
            throw ApiException.notFound(null);
        }
        String gatewayUrl;
        Map<String, Object> modelMetadata = null;
        String modelName = UsageRecorder.VENDORED;
        if (route instanceof FeatureRouter.Route.SelfHosted selfHosted) {
            gatewayUrl = selfHosted.gatewayUrl();
            modelMetadata = selfHosted.model().gatewayMetadata();
            modelName = selfHosted.model().name();
        } else {
            // The cloud gateway answers from its own model: no model_metadata, as GitLab sends none.
            gatewayUrl = ((FeatureRouter.Route.Vendored) route).requireGatewayUrl();
        }
        long userId = aiUser.id;
        // with_clean_history: GitLab resets the conversation before the question and after it, so
        // neither earlier turns nor this one are part of the next question's history.
        if (request.withCleanHistory()) {
            history.clear(userId);
        }
        List<Map<String, Object>> messages = new ArrayList<>();
        if (!request.withCleanHistory()) {
            for (ChatHistory.Turn turn : history.earlier(userId)) {
                messages.add(Map.of("role", turn.role(), "content", turn.content()));
            }
        }
        messages.add(userMessage(request, pageContext));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("messages", messages);
        body.put("options", Map.of());
        if (modelMetadata != null) {
            body.put("model_metadata", modelMetadata);
        }
        AiSettingsService.Effective current = settings.current();
        boolean verbose = current.verboseAiLogs();
        if (verbose) {
            LOG.infof("Duo Chat request from user %d: %s", userId, request.content());
        }
        Map<String, String> callHeaders;
        byte[] payload;
        try {
            callHeaders = headers.forCall(aiUser, tokens.tokenFor(scopes(request)));
            payload = json.writeValueAsBytes(body);
        } catch (TokenServiceClient.TokenServiceException e) {
            throw tokens.unavailable(e);
        } catch (IOException e) {
            LOG.errorf("Cannot encode a chat request: %s", e.getMessage());
            throw ApiException.unavailable("instance-service could not encode the chat request");
        }
        String usedModel = modelName;
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
                // one usage record however the call ends (tokens: not told in the chat stream)
                .onTermination().invoke((answer, failure, cancelled) -> usage.record(startNanos, userId, "duo_chat",
                        usedModel, null, null, cancelled ? AiUsageRecord.Outcome.CANCELLED
                                : failure == null ? AiUsageRecord.Outcome.SUCCESS
                                : failure instanceof AiGatewayClient.GatewayUnavailableException
                                ? AiUsageRecord.Outcome.UNAVAILABLE : AiUsageRecord.Outcome.ERROR))
                // The database is written on a worker, never on the event loop that read the answer.
                .onItem().transformToUni(answer -> Uni.createFrom().item(() -> {
                    if (!request.withCleanHistory()) {
                        keep(userId, request.content(), answer);
                    }
                    return answer;
                }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
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
        tooLong("content", request.content(), MAX_CONTENT);
        if (request.resourceType() != null) {
            tooLong("resource_type", request.resourceType(), MAX_RESOURCE_TYPE);
            if (!RESOURCE_TYPES.contains(request.resourceType())) {
                throw ApiException.badRequest("resource_type does not have a valid value");
            }
        }
        tooLong("referer_url", request.refererUrl(), 1000);
        tooLong("client_subscription_id", request.clientSubscriptionId(), 500);
        CurrentFile file = request.currentFile();
        if (file != null) {
            tooLong("current_file[file_name]", file.fileName(), MAX_FILE_NAME);
            tooLong("current_file[content_above_cursor]", file.contentAboveCursor(), MAX_FILE_TEXT);
            tooLong("current_file[content_below_cursor]", file.contentBelowCursor(), MAX_FILE_TEXT);
            tooLong("current_file[selected_text]", file.selectedText(), MAX_FILE_TEXT);
        }
        List<AdditionalContext> items = request.additionalContext();
        for (int i = 0; items != null && i < items.size(); i++) {
            String name = "additional_context[" + i + "]";
            AdditionalContext item = items.get(i);
            if (item == null) {
                throw ApiException.badRequest(name + "[category] is missing");
            }
            if (item.category() == null) {
                throw ApiException.badRequest(name + "[category] is missing");
            }
            if (!CONTEXT_CATEGORIES.contains(item.category())) {
                throw ApiException.badRequest(name + "[category] does not have a valid value");
            }
            required(name + "[id]", item.id());
            tooLong(name + "[id]", item.id(), MAX_CONTEXT_ID);
            required(name + "[content]", item.content());
            tooLong(name + "[content]", item.content(), MAX_CONTEXT_CONTENT);
        }
    }

    /** Grape's {@code requires ..., allow_blank: false}: absent is "missing", blank is "empty". */
    private static void required(String name, String value) {
        if (value == null) {
            throw ApiException.badRequest(name + " is missing");
        }
        if (value.isBlank()) {
            throw ApiException.badRequest(name + " is empty");
        }
    }

    private static void tooLong(String name, String value, int max) {
        if (value != null && value.length() > max) {
            throw ApiException.badRequest(name + " is too long (maximum is " + max + " characters)");
        }
    }

    /**
     * The question as GitLab's Rails sends it to {@code /v2/chat/agent} ({@code ReactExecutor#build_user_message}):
     * the content, the editor's file, the client's additional context, and the page's context.
     */
    private static Map<String, Object> userMessage(Request request, Map<String, Object> pageContext) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "user");
        message.put("content", request.content());
        Map<String, Object> file = currentFile(request.currentFile());
        if (file != null) {
            message.put("current_file", file);
        }
        if (request.additionalContext() != null && !request.additionalContext().isEmpty()) {
            List<Map<String, Object>> items = new ArrayList<>();
            for (AdditionalContext item : request.additionalContext()) {
                Map<String, Object> forwarded = new LinkedHashMap<>();
                forwarded.put("category", item.category());
                forwarded.put("id", item.id());
                forwarded.put("content", item.content());
                // GitLab's chat API: `c["metadata"] ||= {}`.
                forwarded.put("metadata", item.metadata() == null ? Map.of() : item.metadata());
                items.add(forwarded);
            }
            message.put("additional_context", items);
        }
        if (pageContext != null) {
            message.put("context", pageContext);
        }
        return message;
    }

    /**
     * The gateway's {@code current_file {file_path, data, selected_code}}. A selection is sent as
     * GitLab sends it ({@code data} = the selected text, {@code selected_code: true}). Without one,
     * GitLab sends no file; Enclave sends the text around the cursor as the file's content
     * ({@code selected_code: false}, as GitLab does for a file the user views), the 100,000
     * characters nearest the cursor on each side, as for code suggestions.
     */
    static Map<String, Object> currentFile(CurrentFile file) {
        if (file == null) {
            return null;
        }
        String path = file.fileName() == null ? "" : file.fileName();
        Map<String, Object> forwarded = new LinkedHashMap<>();
        forwarded.put("file_path", path);
        if (file.selectedText() != null && !file.selectedText().isBlank()) {
            forwarded.put("data", file.selectedText());
            forwarded.put("selected_code", true);
            return forwarded;
        }
        String above = file.contentAboveCursor() == null ? "" : file.contentAboveCursor();
        String below = file.contentBelowCursor() == null ? "" : file.contentBelowCursor();
        if (above.isEmpty() && below.isEmpty()) {
            return null;
        }
        int limit = CodeSuggestionsService.FORWARDED_CURSOR_CONTENT;
        above = above.length() > limit ? above.substring(above.length() - limit) : above;
        below = below.length() > limit ? below.substring(0, limit) : below;
        forwarded.put("data", above + below);
        forwarded.put("selected_code", false);
        return forwarded;
    }

    /**
     * GitLab's {@code find_resource}: no {@code resource_type} or {@code resource_id} means no
     * resource (the user). A record that does not exist is 404 {@code "404 Not found"} (GitLab's
     * {@code ActiveRecord::RecordNotFound} answer); one the user cannot read is {@code "404 Not Found"}
     * ({@code not_found!}). This instance keeps projects, groups and issues; it has no epics, merge
     * requests, commits, builds or work items, so those are never found. Only page types GitLab's AI
     * gateway accepts as {@code context} ({@code issue}, {@code epic}, {@code merge_request},
     * {@code commit}, {@code build}) are sent: for a project or a group, GitLab sends none either.
     */
    private Map<String, Object> pageContext(Actor actor, Request request) {
        if (request.resourceType() == null || request.resourceId() == null) {
            return null;
        }
        switch (request.resourceType()) {
            case "project" -> {
                Project project = Project.<Project>findByIdOptional(recordId(request.resourceId()))
                        .orElseThrow(ChatCompletions::recordNotFound);
                if (!authorizer.canRead(actor, project)) {
                    throw ApiException.notFound(null);
                }
                return null;
            }
            case "group" -> {
                Group group = Group.<Group>findByIdOptional(recordId(request.resourceId()))
                        .orElseThrow(ChatCompletions::recordNotFound);
                if (!authorizer.canRead(actor, group)) {
                    throw ApiException.notFound(null);
                }
                return null;
            }
            case "issue" -> {
                Issue issue = Issue.<Issue>findByIdOptional(recordId(request.resourceId()))
                        .orElseThrow(ChatCompletions::recordNotFound);
                if (!authorizer.canRead(actor, issue.project)) {
                    throw ApiException.notFound(null);
                }
                Map<String, Object> context = new LinkedHashMap<>();
                context.put("type", "issue");
                context.put("content", "The user is on the page of issue #" + issue.iid + " of project "
                        + issue.project.fullPath + ", titled \"" + issue.title + "\". Its description:\n"
                        + nullToEmpty(issue.description));
                return context;
            }
            case "commit" -> {
                // GitLab finds the project (project_id) first, then the commit in its repository.
                Project.<Project>findByIdOptional(request.projectId() == null ? -1L : request.projectId())
                        .orElseThrow(ChatCompletions::recordNotFound);
                throw recordNotFound();
            }
            default -> throw recordNotFound();
        }
    }

    /**
     * {@code duo_chat}, and for each category of additional context its {@code include_<category>_context}
     * unit primitive: GitLab's AI gateway refuses context the token does not grant
     * ({@code authorize_additional_context}: 403 "Unauthorized to access include_file_context").
     */
    static List<String> scopes(Request request) {
        java.util.TreeSet<String> scopes = new java.util.TreeSet<>();
        scopes.add("duo_chat");
        if (request.additionalContext() != null) {
            request.additionalContext().forEach(item -> scopes.add("include_" + item.category() + "_context"));
        }
        return List.copyOf(scopes);
    }

    /** An id as ActiveRecord's {@code find} reads it: digits, else no record has it. */
    private static long recordId(String resourceId) {
        try {
            return Long.parseLong(resourceId.trim());
        } catch (NumberFormatException e) {
            throw recordNotFound();
        }
    }

    private static ApiException recordNotFound() {
        return ApiException.of(404, RECORD_NOT_FOUND);
    }

    /** Keeps an answered turn; a failure to keep it does not take the answer from the user. */
    private void keep(long userId, String question, String answer) {
        try {
            history.record(userId, question, answer);
        } catch (RuntimeException e) {
            LOG.warnf("Could not keep user %d's chat turn in the history: %s", userId, e.getMessage());
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
