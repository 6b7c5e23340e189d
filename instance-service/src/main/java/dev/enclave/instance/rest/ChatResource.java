package dev.enclave.instance.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.enclave.instance.security.Actor;
import dev.enclave.instance.security.CurrentUser;
import dev.enclave.instance.security.RequiredScopes;
import dev.enclave.instance.service.ChatCompletions;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/** GitLab's {@code POST /chat/completions}: the answer is a bare JSON string. */
@Path("/api/v4/chat/completions")
@RequiredScopes({"api", "ai_features"})
public class ChatResource {

    /** {@code resource_id} is an id or a commit's hash: a JSON number or string. */
    public record ChatRequest(String content, @JsonProperty("resource_type") String resourceType,
                              @JsonProperty("resource_id") JsonNode resourceId,
                              @JsonProperty("referer_url") String refererUrl,
                              @JsonProperty("client_subscription_id") String clientSubscriptionId,
                              @JsonProperty("with_clean_history") Boolean withCleanHistory,
                              @JsonProperty("project_id") Long projectId,
                              @JsonProperty("current_file") ChatCompletions.CurrentFile currentFile,
                              @JsonProperty("additional_context") List<ChatCompletions.AdditionalContext> additionalContext) {
    }

    private final ChatCompletions chat;
    private final CurrentUser currentUser;

    public ChatResource(ChatCompletions chat, CurrentUser currentUser) {
        this.chat = chat;
        this.currentUser = currentUser;
    }

    /** Checks on a worker ({@code @Blocking}); the worker is free again while the gateway answers. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    public Uni<Response> chat(ChatRequest body) {
        ChatRequest request = UsersResource.require(body);
        Actor actor = currentUser.actor();
        return chat.answer(actor, actor.isComposite() ? actor.scopedUser() : actor.user(),
                        new ChatCompletions.Request(request.content(), request.resourceType(),
                                resourceId(request.resourceId()), request.refererUrl(), request.clientSubscriptionId(),
                                Boolean.TRUE.equals(request.withCleanHistory()), request.projectId(),
                                request.currentFile(), request.additionalContext()))
                .map(answer -> Response.status(Response.Status.CREATED).entity(new TextNode(answer)).build());
    }

    /** Grape's {@code types: [String, Integer]}: a number or a string; anything else is refused. */
    private static String resourceId(JsonNode id) {
        if (id == null || id.isNull()) {
            return null;
        }
        if (id.isIntegralNumber() || id.isTextual()) {
            return id.asText();
        }
        throw ApiException.badRequest("resource_id is invalid");
    }
}
