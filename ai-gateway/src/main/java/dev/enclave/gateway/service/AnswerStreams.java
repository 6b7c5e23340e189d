package dev.enclave.gateway.service;

import dev.enclave.gateway.client.AdapterWire;
import dev.enclave.gateway.client.ModelAdapterClient;
import dev.enclave.gateway.metrics.AiRequestMetrics;
import dev.enclave.gateway.rest.ChatAgentWire;
import dev.enclave.gateway.rest.GatewayException;
import dev.enclave.support.http.RequestIdFilter;
import io.smallrye.mutiny.Multi;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Turns model-adapter's stream of events into the bytes a gateway endpoint writes, one piece per
 * delta as it arrives.
 * <p>
 * A failure before the first delta (model-adapter refused, or the model's stream broke at once)
 * is still answered with the gateway's JSON error and status, as nothing has been written yet.
 * After it, the response is ended promptly: with an error event where the format has one
 * (GitLab's agent NDJSON), and the failure is logged with the request id.
 */
public final class AnswerStreams {

    private static final Logger LOG = Logger.getLogger(AnswerStreams.class);
    /** Marks the end of the answer: everything after it is dropped and model-adapter's connection closed. */
    private static final byte[] END = new byte[0];
    /** In-band markers for how model-adapter's call ended when it sent no last event of its own. */
    private static final AdapterWire.StreamEvent BROKEN = AdapterWire.StreamEvent.failure(
            AdapterWire.StreamEvent.ADAPTER_CONNECTION_LOST, "broken");
    private static final AdapterWire.StreamEvent ENDED = AdapterWire.StreamEvent.failure(
            AdapterWire.StreamEvent.ADAPTER_CONNECTION_LOST, "ended");
    /** A model that timed out or could not be reached may well answer a second try. */
    private static final Set<String> RETRYABLE = Set.of(AdapterWire.StreamEvent.MODEL_SERVER_TIMEOUT,
            "model_server_unreachable", AdapterWire.StreamEvent.ADAPTER_CONNECTION_LOST);

    private AnswerStreams() {
    }

    /** Raw text: each delta's UTF-8 bytes (GitLab's streamed code suggestions; no SSE frames). */
    public static Multi<byte[]> rawText(Multi<AdapterWire.StreamEvent> events, String requestId) {
        return rawText(events, requestId, AiRequestMetrics.Observation.NONE);
    }

    /** As {@link #rawText(Multi, String)}, telling {@code observation} the usage and a break after the first delta. */
    public static Multi<byte[]> rawText(Multi<AdapterWire.StreamEvent> events, String requestId,
                                        AiRequestMetrics.Observation observation) {
        return render(events, requestId, text -> text.getBytes(StandardCharsets.UTF_8), (error, retryable) -> null,
                observation);
    }

    /**
     * GitLab's agent events, one NDJSON line each: a delta is
     * {@code {"type":"final_answer_delta","data":{"text":"..."}}}, a failure after the first delta
     * {@code {"type":"error","data":{"message":"...","retryable":true|false}}}.
     */
    public static Multi<byte[]> agentEvents(Multi<AdapterWire.StreamEvent> events, String requestId,
                                            Function<Object, byte[]> json, AiRequestMetrics.Observation observation) {
        return render(events, requestId,
                text -> line(json, ChatAgentWire.Event.finalAnswerDelta(text)),
                (message, retryable) -> line(json, ChatAgentWire.Event.error(message, retryable)), observation);
    }

    private static byte[] line(Function<Object, byte[]> json, Object event) {
        byte[] body = json.apply(event);
        byte[] line = new byte[body.length + 1];
        System.arraycopy(body, 0, line, 0, body.length);
        line[body.length] = '\n';
        return line;
    }

    /**
     * @param delta   renders a delta's text
     * @param failure renders a failure after the first delta (message, retryable), or null where
     *                the format has no error frame
     * @param observation told the model's usage (from the last event) and a failure after the first delta
     */
    private static Multi<byte[]> render(Multi<AdapterWire.StreamEvent> events, String requestId,
                                        Function<String, byte[]> delta,
                                        BiFunction<String, Boolean, byte[]> failure,
                                        AiRequestMetrics.Observation observation) {
        return Multi.createFrom().deferred(() -> {
            AtomicBoolean started = new AtomicBoolean();
            AtomicBoolean finished = new AtomicBoolean();
            AtomicReference<Throwable> broken = new AtomicReference<>();
            return events
                    // the end of the call, however it came, is decided in order with the events before it
                    .onFailure().recoverWithItem(e -> {
                        broken.set(e);
                        return BROKEN;
                    })
                    .onCompletion().continueWith(ENDED)
                    .onItem().transformToIterable(event -> {
                        if (finished.get()) {
                            return List.<byte[]>of();
                        }
                        if (event.isDelta()) {
                            if (event.text() == null || event.text().isEmpty()) {
                                return List.<byte[]>of();
                            }
                            started.set(true);
                            return List.of(delta.apply(event.text()));
                        }
                        finished.set(true);
                        if (event.isDone()) {
                            if (event.usage() != null) {
                                observation.usage(event.usage().promptTokens(), event.usage().completionTokens());
                            }
                            // model-adapter ends its response right after: let it, so its connection can be reused
                            return List.<byte[]>of();
                        }
                        String error;
                        String message;
                        if (event == BROKEN) {
                            Throwable e = broken.get();
                            if (!started.get()) {
                                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
                            }
                            error = AdapterWire.StreamEvent.ADAPTER_CONNECTION_LOST;
                            message = afterFirstDelta(e);
                        } else if (event == ENDED) {
                            error = AdapterWire.StreamEvent.ADAPTER_CONNECTION_LOST;
                            message = "model-adapter's stream ended before its last event";
                        } else {
                            error = event.error() == null ? "model_server_error" : event.error();
                            message = event.message() == null ? error : event.message();
                        }
                        if (!started.get()) {
                            throw beforeFirstDelta(error, message);
                        }
                        logBrokenOff(requestId, error, message);
                        observation.brokenOff();
                        byte[] frame = failure.apply(message, RETRYABLE.contains(error));
                        return frame == null ? List.of(END) : List.of(frame, END);
                    })
                    .select().first(bytes -> bytes != END);
        });
    }

    /**
     * The words for the client of a call that broke off after the answer began: the gateway's own
     * message (which names model-adapter and holds no address or exception text); any other failure
     * is described, not quoted (its details are logged).
     */
    private static String afterFirstDelta(Throwable e) {
        if (e instanceof GatewayException g && !ModelAdapterClient.UNREACHABLE.equals(g.getMessage())) {
            return g.getMessage();
        }
        return "the connection to model-adapter was lost";
    }

    /** As a non-streamed call's failure would have been answered. */
    private static GatewayException beforeFirstDelta(String error, String message) {
        if (AdapterWire.StreamEvent.ADAPTER_CONNECTION_LOST.equals(error)) {
            // model-adapter's stream ended without its last event and without any text
            return GatewayException.adapterFailed(ModelAdapterClient.UNREACHABLE);
        }
        int status = AdapterWire.StreamEvent.MODEL_SERVER_TIMEOUT.equals(error) ? 504 : 502;
        return GatewayException.modelServer(status + ": " + message);
    }

    private static void logBrokenOff(String requestId, String error, String message) {
        RequestIdFilter.withRequestId(requestId, () ->
                LOG.warnf("Model stream broke off after the answer began (request %s): %s: %s", requestId, error,
                        message));
    }
}
