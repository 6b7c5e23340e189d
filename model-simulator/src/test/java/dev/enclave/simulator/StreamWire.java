package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every streaming endpoint of every personality, with how to ask it for a completion and how to
 * read its streamed answer back, so that the cross-personality tests run the same checks on each.
 * Simulators for these tests need no key and serve {@link #MODEL}.
 */
enum StreamWire {

    VLLM_COMPLETIONS(Personality.VLLM, "/v1/completions", "/v1/completions", Kind.DATA, "/choices/0/text", "/choices/0/text"),
    VLLM_CHAT(Personality.VLLM, "/v1/chat/completions", "/v1/chat/completions", Kind.DATA,
            "/choices/0/message/content", "/choices/0/delta/content"),
    MISTRAL_CHAT(Personality.MISTRAL, "/v1/chat/completions", "/v1/chat/completions", Kind.DATA,
            "/choices/0/message/content", "/choices/0/delta/content"),
    MISTRAL_FIM(Personality.MISTRAL, "/v1/fim/completions", "/v1/fim/completions", Kind.DATA,
            "/choices/0/message/content", "/choices/0/delta/content"),
    ANTHROPIC(Personality.ANTHROPIC, "/v1/messages", "/v1/messages", Kind.NAMED, "/content/0/text", "/delta/text"),
    AZURE_CHAT(Personality.AZURE_OPENAI, "/openai/deployments/" + StreamWire.MODEL + "/chat/completions?api-version=2024-10-21",
            null, Kind.DATA, "/choices/0/message/content", "/choices/0/delta/content"),
    AZURE_COMPLETIONS(Personality.AZURE_OPENAI, "/openai/deployments/" + StreamWire.MODEL + "/completions?api-version=2024-10-21",
            null, Kind.DATA, "/choices/0/text", "/choices/0/text"),
    BEDROCK(Personality.BEDROCK, "/model/" + StreamWire.MODEL + "/converse", "/model/" + StreamWire.MODEL + "/converse-stream",
            Kind.EVENT_STREAM, "/output/message/content/0/text", "/delta/text");

    static final String MODEL = "sim-model";

    enum Kind { DATA, NAMED, EVENT_STREAM }

    /** A request as method-less parts, so both HttpClient and a raw socket can send it. */
    record Request(String path, Map<String, String> headers, String body) {
    }

    final Personality personality;
    private final String path;
    private final String streamPath;
    final Kind kind;
    private final String textPointer;
    private final String deltaPointer;

    StreamWire(Personality personality, String path, String streamPath, Kind kind, String textPointer,
               String deltaPointer) {
        this.personality = personality;
        this.path = path;
        this.streamPath = streamPath == null ? path : streamPath;
        this.kind = kind;
        this.textPointer = textPointer;
        this.deltaPointer = deltaPointer;
    }

    Request request(String userText, int maxTokens, boolean stream) {
        String text = TestHttp.MAPPER.valueToTree(userText).toString();
        String streamField = stream ? ",\"stream\":true" : "";
        String messages = "[{\"role\":\"user\",\"content\":" + text + "}]";
        return switch (this) {
            case VLLM_COMPLETIONS, AZURE_COMPLETIONS -> new Request(path, Map.of(),
                    "{\"model\":\"" + MODEL + "\",\"prompt\":" + text + ",\"max_tokens\":" + maxTokens + streamField + "}");
            case MISTRAL_FIM -> new Request(path, Map.of(), "{\"model\":\"" + MODEL + "\",\"prompt\":" + text
                    + ",\"suffix\":\"return x\",\"max_tokens\":" + maxTokens + streamField + "}");
            case VLLM_CHAT, MISTRAL_CHAT, AZURE_CHAT -> new Request(path, Map.of(),
                    "{\"model\":\"" + MODEL + "\",\"messages\":" + messages + ",\"max_tokens\":" + maxTokens + streamField + "}");
            case ANTHROPIC -> new Request(path, Map.of("anthropic-version", "2023-06-01"),
                    "{\"model\":\"" + MODEL + "\",\"max_tokens\":" + maxTokens + ",\"messages\":" + messages + streamField + "}");
            case BEDROCK -> new Request(stream ? streamPath : path, Map.of(),
                    "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":" + text + "}]}],"
                            + "\"inferenceConfig\":{\"maxTokens\":" + maxTokens + "}}");
        };
    }

    /** The text of a non-streamed answer. */
    String text(String body) {
        return TestHttp.json(body).at(textPointer).asText();
    }

    /** One parsed event of a stream: its name ({@code null} for plain {@code data:} events) and data. */
    record Event(String name, String data, Map<String, String> headers) {

        JsonNode json() {
            return TestHttp.json(data);
        }
    }

    /** The complete events of a (possibly truncated) streamed body. */
    List<Event> events(byte[] body) {
        List<Event> events = new ArrayList<>();
        if (kind == Kind.EVENT_STREAM) {
            for (EventStreamDecoder.Message message : EventStreamDecoder.decode(body)) {
                String name = message.header(":message-type").equals("exception")
                        ? message.header(":exception-type") : message.header(":event-type");
                events.add(new Event(name, message.payloadText(), message.headers()));
            }
            return events;
        }
        String text = new String(body, StandardCharsets.UTF_8);
        int end;
        int from = 0;
        while ((end = text.indexOf("\n\n", from)) >= 0) {
            String block = text.substring(from, end);
            from = end + 2;
            String name = null;
            String data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) {
                    name = line.substring("event: ".length());
                } else if (line.startsWith("data: ")) {
                    data = line.substring("data: ".length());
                } else {
                    throw new IllegalStateException("not a server-sent event line: " + line);
                }
            }
            if (data == null) {
                throw new IllegalStateException("event without data: " + block);
            }
            events.add(new Event(name, data, Map.of()));
        }
        return events;
    }

    /** The text pieces of the content events, in order. */
    List<String> deltas(byte[] body) {
        List<String> deltas = new ArrayList<>();
        for (Event event : events(body)) {
            if (isContent(event)) {
                deltas.add(event.json().at(deltaPointer).asText());
            }
        }
        return deltas;
    }

    private boolean isContent(Event event) {
        return switch (kind) {
            case NAMED -> "content_block_delta".equals(event.name());
            case EVENT_STREAM -> "contentBlockDelta".equals(event.name());
            case DATA -> {
                if (event.data().equals("[DONE]") || isError(event)) {
                    yield false;
                }
                JsonNode chunk = event.json();
                if (!chunk.at(deltaPointer).isTextual() || chunk.at("/choices/0/delta/role").isTextual()) {
                    yield false;
                }
                // OpenAI's (Azure's) closing chunk carries only the finish reason; vLLM and Mistral
                // put it on the last content chunk.
                yield personality != Personality.AZURE_OPENAI || chunk.at("/choices/0/finish_reason").isNull();
            }
        };
    }

    /** Whether the stream ended with its normal terminating event. */
    boolean completed(byte[] body) {
        List<Event> events = events(body);
        if (events.isEmpty()) {
            return false;
        }
        Event last = events.get(events.size() - 1);
        return switch (kind) {
            case DATA -> last.data().equals("[DONE]") && events.stream().noneMatch(this::isError);
            case NAMED -> "message_stop".equals(last.name());
            case EVENT_STREAM -> "metadata".equals(last.name());
        };
    }

    /** The provider's in-stream error event, or null. */
    Event error(byte[] body) {
        return events(body).stream().filter(this::isError).findFirst().orElse(null);
    }

    private boolean isError(Event event) {
        return switch (kind) {
            case DATA -> !event.data().equals("[DONE]")
                    && (event.json().has("error") || "error".equals(event.json().path("object").asText()));
            case NAMED -> "error".equals(event.name());
            case EVENT_STREAM -> "exception".equals(event.headers().get(":message-type"));
        };
    }
}
