package dev.enclave.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Sends one streamed response, the same way for every personality: 200 headers with chunked
 * transfer, the opening events, one content event per generated token with {@code tokenDelayMs}
 * between consecutive content events, then the closing events; every event is flushed as its own
 * chunk. It applies the mid-stream faults and counts the stream in {@link StreamCounters}.
 *
 * <p>A client that goes away shows up as a failed write or flush: the stream stops at once (no
 * further token is produced), is counted as cancelled, and the {@link IOException} escapes so that
 * {@code HttpServer} closes the socket.
 */
final class StreamWriter {

    /** Content events a stream hit by a mid-stream fault gets before the fault strikes. */
    static final int CONTENT_EVENTS_BEFORE_FAULT = 1;
    /**
     * A dropped stream closes its socket where the next token would have come, but never sooner than
     * this: a close right behind the last event can reach the client in the same read, and some
     * clients (the JDK's HttpClient among them) then discard the data in front of the EOF.
     */
    static final long DROP_AFTER_MIN_MS = 50;
    static final byte[] SSE_DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

    /** A personality's rendering of one stream; content events are built only when they are sent. */
    interface Body {

        List<byte[]> opening();

        int contentEvents();

        byte[] content(int index);

        /** Everything after the last content event, ending with the stream's terminating event. */
        List<byte[]> closing();

        /** The provider's in-stream error event (a {@code fail_mid_stream} fault) and whatever ends the stream after it. */
        List<byte[]> failure();
    }

    private StreamWriter() {
    }

    static void send(HttpExchange exchange, SimulatorState state, String contentType, Body body) throws IOException {
        FaultPlan.MidStreamFault fault = state.faults.takeMidStreamFault();
        StreamCounters counters = state.streams;
        counters.started();
        StreamCounters.Outcome outcome = StreamCounters.Outcome.CANCELLED;
        try {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            for (byte[] event : body.opening()) {
                write(out, event);
            }
            int count = body.contentEvents();
            for (int i = 0; i < count; i++) {
                if (fault != null && i == CONTENT_EVENTS_BEFORE_FAULT) {
                    break;
                }
                if (i > 0) {
                    HttpIo.sleep(state.tokenDelayMs());
                }
                write(out, body.content(i));
            }
            if (fault == FaultPlan.MidStreamFault.DROP) {
                HttpIo.sleep(Math.max(DROP_AFTER_MIN_MS, state.tokenDelayMs()));
                outcome = StreamCounters.Outcome.DROPPED;
                throw new HttpIo.DropConnection();
            }
            for (byte[] event : fault == FaultPlan.MidStreamFault.FAIL ? body.failure() : body.closing()) {
                write(out, event);
            }
            outcome = fault == FaultPlan.MidStreamFault.FAIL
                    ? StreamCounters.Outcome.FAILED : StreamCounters.Outcome.COMPLETED;
        } finally {
            counters.ended(outcome);
        }
    }

    private static void write(OutputStream out, byte[] event) throws IOException {
        out.write(event);
        out.flush();
    }

    /** {@code data: <json>\n\n}, the OpenAI-style server-sent event. */
    static byte[] sse(JsonNode data) {
        return frame(null, Json.bytes(data));
    }

    /** {@code event: <name>\ndata: <json>\n\n}, the named server-sent event Anthropic uses. */
    static byte[] sse(String event, JsonNode data) {
        return frame(event, Json.bytes(data));
    }

    private static byte[] frame(String event, byte[] json) {
        byte[] head = ((event == null ? "" : "event: " + event + "\n") + "data: ").getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[head.length + json.length + 2];
        System.arraycopy(head, 0, frame, 0, head.length);
        System.arraycopy(json, 0, frame, head.length, json.length);
        frame[frame.length - 2] = '\n';
        frame[frame.length - 1] = '\n';
        return frame;
    }
}
