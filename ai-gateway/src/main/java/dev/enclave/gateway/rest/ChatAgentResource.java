package dev.enclave.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.gateway.security.UnitPrimitiveAuthorizer;
import dev.enclave.gateway.service.ChatService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code POST /v2/chat/agent}: answers as NDJSON ({@code application/x-ndjson}), one event a line.
 * The model call is not streamed yet, so the answer arrives as one {@code final_answer_delta}.
 */
@Path("/v2/chat/agent")
public class ChatAgentResource {

    static final String NDJSON = "application/x-ndjson";

    private final UnitPrimitiveAuthorizer authorizer;
    private final ChatService chat;
    private final ObjectMapper json;

    public ChatAgentResource(UnitPrimitiveAuthorizer authorizer, ChatService chat, ObjectMapper json) {
        this.authorizer = authorizer;
        this.chat = chat;
        this.json = json;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(NDJSON)
    public Response agent(ChatAgentWire.Request request) throws JsonProcessingException {
        authorizer.require("duo_chat", "duo chat");
        String answer = chat.answer(request);
        String line = json.writeValueAsString(new ChatAgentWire.Event("final_answer_delta",
                new ChatAgentWire.EventData(answer))) + "\n";
        return Response.ok(line, NDJSON).build();
    }
}
