package dev.enclave.gateway.rest;

import dev.enclave.gateway.client.Deadline;
import dev.enclave.gateway.config.GatewayConfig;
import dev.enclave.gateway.metrics.AiRequestMetrics;
import dev.enclave.gateway.security.UnitPrimitiveAuthorizer;
import dev.enclave.gateway.service.ChatService;
import dev.enclave.support.http.RequestIdFilter;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * {@code POST /v2/chat/agent}: answers as NDJSON ({@code application/x-ndjson}), GitLab's agent
 * events one a line, a {@code final_answer_delta} per piece of the model's answer as it arrives;
 * a model failure after the first piece ends the answer with GitLab's {@code error} event.
 */
@Path("/v2/chat/agent")
public class ChatAgentResource {

    private final UnitPrimitiveAuthorizer authorizer;
    private final ChatService chat;
    private final GatewayConfig config;
    private final AiRequestMetrics metrics;

    public ChatAgentResource(UnitPrimitiveAuthorizer authorizer, ChatService chat, GatewayConfig config,
                             AiRequestMetrics metrics) {
        this.metrics = metrics;
        this.authorizer = authorizer;
        this.chat = chat;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public RestMulti<byte[]> agent(ChatAgentWire.Request request, @Context HttpServerResponse response) {
        String requestId = RequestIdFilter.current();
        Deadline deadline = DeadlineFilter.current(config.defaultTimeout());
        AiRequestMetrics.Observation observation = metrics.start("duo_chat");
        Uni<Replies.Reply> reply = authorizer.require("duo_chat", "duo chat")
                .map(caller -> Replies.Reply.stream(Replies.NDJSON,
                        chat.answer(request, caller, requestId, deadline, observation)));
        return Replies.of(reply, requestId, response, observation);
    }
}
