package dev.enclave.adapter.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;

/**
 * Bedrock's ConverseStream answer, {@code application/vnd.amazon.eventstream}: binary frames of
 * a prelude (total length u32, headers length u32, prelude CRC32), headers, a JSON payload and a
 * message CRC32, all big-endian. Both CRCs are checked; a mismatch ends the stream. Frames with
 * {@code :message-type} {@code event} carry {@code :event-type} {@code contentBlockDelta}
 * ({@code delta.text}), {@code messageStop} ({@code stopReason}) and {@code metadata}
 * ({@code usage}); {@code exception} and {@code error} frames end the stream with AWS's reason.
 * The stream is finished when the body ends after a {@code messageStop} (the usage comes after it).
 */
public final class BedrockStreamParser extends StreamParser {

    private static final int PRELUDE = 12;
    /** A frame's prelude, both CRCs: the least a frame can be. */
    private static final int MINIMUM_FRAME = 16;

    private final ObjectMapper json;
    private final UnaryOperator<String> stopReasons;
    private final int maxFrameBytes;
    private byte[] buffer = new byte[1024];
    private int buffered;

    /**
     * @param fallbackModel the model named in the answer (Bedrock's events do not name it)
     * @param maxFrameBytes largest frame accepted; a larger one ends the stream instead of filling memory
     */
    public BedrockStreamParser(ObjectMapper json, UnaryOperator<String> stopReasons, String fallbackModel,
                               Sink sink, int maxFrameBytes) {
        super(sink);
        this.json = json;
        this.stopReasons = stopReasons;
        this.maxFrameBytes = maxFrameBytes;
        this.model = fallbackModel;
    }

    @Override
    protected void read(byte[] bytes, int offset, int length) throws ModelStreamException {
        if (buffered + length > buffer.length) {
            byte[] larger = new byte[Math.max(buffer.length * 2, buffered + length)];
            System.arraycopy(buffer, 0, larger, 0, buffered);
            buffer = larger;
        }
        System.arraycopy(bytes, offset, buffer, buffered, length);
        buffered += length;
        int start = 0;
        while (!finished() && buffered - start >= PRELUDE) {
            long total = uint32(buffer, start);
            long headersLength = uint32(buffer, start + 4);
            if (crc(buffer, start, 8) != uint32(buffer, start + 8)) {
                throw new ModelStreamException("sent an event-stream frame whose prelude CRC does not match");
            }
            if (total < MINIMUM_FRAME || total > maxFrameBytes || headersLength > total - MINIMUM_FRAME) {
                throw new ModelStreamException("sent an event-stream frame of impossible length " + total
                        + " (headers " + headersLength + ")");
            }
            if (buffered - start < total) {
                break;
            }
            int end = start + (int) total;
            if (crc(buffer, start, (int) total - 4) != uint32(buffer, end - 4)) {
                throw new ModelStreamException("sent an event-stream frame whose message CRC does not match");
            }
            int headersStart = start + PRELUDE;
            int payloadStart = headersStart + (int) headersLength;
            frame(headers(buffer, headersStart, payloadStart), buffer, payloadStart, end - 4 - payloadStart);
            start = end;
        }
        System.arraycopy(buffer, start, buffer, 0, buffered - start);
        buffered -= start;
    }

    @Override
    protected void endOfBody() throws ModelStreamException {
        if (buffered > 0 && finishReason == null) {
            throw new ModelStreamException("ended its stream in the middle of an event-stream frame");
        }
    }

    private void frame(Map<String, String> headers, byte[] bytes, int offset, int length) throws ModelStreamException {
        String messageType = headers.getOrDefault(":message-type", "event");
        if ("exception".equals(messageType)) {
            String type = headers.getOrDefault(":exception-type", "exception");
            throw new ModelStreamException("sent an error in its stream: " + type + ": "
                    + payload(bytes, offset, length).path("message").asText("(no message)"));
        }
        if ("error".equals(messageType)) {
            throw new ModelStreamException("sent an error in its stream: " + headers.getOrDefault(":error-code", "error")
                    + ": " + headers.getOrDefault(":error-message", "(no message)"));
        }
        String eventType = headers.getOrDefault(":event-type", "");
        switch (eventType) {
            case "contentBlockDelta" -> text(payload(bytes, offset, length).path("delta").path("text").asText(""));
            case "messageStop" -> {
                JsonNode stop = payload(bytes, offset, length).path("stopReason");
                finishReason = stopReasons.apply(stop.isTextual() ? stop.asText() : "end_turn");
            }
            case "metadata" -> {
                JsonNode usage = payload(bytes, offset, length).path("usage");
                if (usage.path("inputTokens").isNumber()) {
                    promptTokens = usage.get("inputTokens").asInt();
                }
                if (usage.path("outputTokens").isNumber()) {
                    completionTokens = usage.get("outputTokens").asInt();
                }
            }
            default -> {
                // messageStart, contentBlockStart/Stop and newer events carry no text
            }
        }
    }

    private JsonNode payload(byte[] bytes, int offset, int length) throws ModelStreamException {
        try {
            JsonNode node = json.readTree(bytes, offset, length);
            if (node == null || !node.isObject()) {
                throw new ModelStreamException("sent an event-stream payload that is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new ModelStreamException("sent an event-stream payload that is not JSON");
        }
    }

    /** Header values by name; strings as they are, other types as text (none of them is read). */
    private static Map<String, String> headers(byte[] bytes, int from, int to) throws ModelStreamException {
        Map<String, String> headers = new HashMap<>();
        int at = from;
        while (at < to) {
            int nameLength = bytes[at] & 0xff;
            at++;
            require(at + nameLength + 1 <= to);
            String name = new String(bytes, at, nameLength, StandardCharsets.UTF_8);
            at += nameLength;
            int type = bytes[at] & 0xff;
            at++;
            int size = switch (type) {
                case 0, 1 -> 0;
                case 2 -> 1;
                case 3 -> 2;
                case 4 -> 4;
                case 5, 8 -> 8;
                case 9 -> 16;
                case 6, 7 -> {
                    require(at + 2 <= to);
                    int length = ((bytes[at] & 0xff) << 8) | (bytes[at + 1] & 0xff);
                    at += 2;
                    yield length;
                }
                default -> throw new ModelStreamException("sent an event-stream header of unknown type " + type);
            };
            require(at + size <= to);
            if (type == 7) {
                headers.put(name, new String(bytes, at, size, StandardCharsets.UTF_8));
            }
            at += size;
        }
        return headers;
    }

    private static void require(boolean inside) throws ModelStreamException {
        if (!inside) {
            throw new ModelStreamException("sent event-stream headers that run past their length");
        }
    }

    private static long uint32(byte[] bytes, int at) {
        return ((long) (bytes[at] & 0xff) << 24) | ((bytes[at + 1] & 0xff) << 16) | ((bytes[at + 2] & 0xff) << 8)
                | (bytes[at + 3] & 0xff);
    }

    private static long crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return crc.getValue();
    }
}
