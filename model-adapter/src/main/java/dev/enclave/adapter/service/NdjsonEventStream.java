package dev.enclave.adapter.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.enclave.adapter.egress.ModelStream;
import dev.enclave.adapter.provider.ModelCallException;
import dev.enclave.adapter.rest.AdapterWire;
import dev.enclave.adapter.stream.ModelStreamException;
import dev.enclave.adapter.stream.StreamOutcome;
import dev.enclave.adapter.stream.StreamParser;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A model's 2xx stream as this service's NDJSON events, one line each ({@code delta}s, then
 * {@code done} or {@code error}), published with the subscriber's demand: lines wait in a short
 * queue, and while it holds {@value #HIGH_WATER} or more the model connection is paused, so a
 * slow reader slows the model server down instead of filling memory. Cancelling the subscription
 * (the caller went away) closes the model connection at once.
 *
 * <p>The model's bytes are parsed on the egress event loop; lines reach the subscriber on the
 * caller's context (its request's event loop), where the failure of a stream is also logged with
 * the request id.
 */
final class NdjsonEventStream implements Flow.Publisher<String> {

    private static final Logger LOG = Logger.getLogger(NdjsonEventStream.class);
    /** Lines queued at which the model connection is paused. */
    static final int HIGH_WATER = 16;
    /** Lines queued at or below which a paused model connection is resumed. */
    static final int LOW_WATER = 4;

    private final ModelStream source;
    private final StreamParser parser;
    private final ObjectMapper json;
    private final Context caller;
    private final String requestId;
    private final String fallbackModel;
    private final UnaryOperator<String> redact;
    /** Told once how the stream ended (null: finished, or the caller went away), e.g. to free its bulkhead slot. */
    private final Consumer<Throwable> onEnd;
    private final AtomicBoolean over = new AtomicBoolean();

    private final Queue<String> lines = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger draining = new AtomicInteger();
    private volatile Flow.Subscriber<? super String> subscriber;
    /** The last line ({@code done} or {@code error}) is queued. */
    private volatile boolean ended;
    private volatile boolean cancelled;
    private boolean completed;
    /** Guarded by {@code this}: pause and resume are decided and ordered under it. */
    private boolean paused;

    /**
     * @param parsers       the provider's parser for this call, given the sink it reports to
     * @param caller        the context lines are delivered on, or null to deliver on any thread
     * @param fallbackModel the model named in {@code done} when the provider names none
     * @param redact        removes the model's credentials from messages
     */
    NdjsonEventStream(ModelStream source, Function<StreamParser.Sink, StreamParser> parsers, ObjectMapper json,
                      Context caller, String requestId, String fallbackModel, UnaryOperator<String> redact) {
        this(source, parsers, json, caller, requestId, fallbackModel, redact, failure -> { });
    }

    /**
     * @param onEnd told once when the stream is over: null when the model finished or the caller
     *              went away, the failure when the stream broke
     */
    NdjsonEventStream(ModelStream source, Function<StreamParser.Sink, StreamParser> parsers, ObjectMapper json,
                      Context caller, String requestId, String fallbackModel, UnaryOperator<String> redact,
                      Consumer<Throwable> onEnd) {
        this.onEnd = onEnd;
        this.source = source;
        this.json = json;
        this.caller = caller;
        this.requestId = requestId;
        this.fallbackModel = fallbackModel;
        this.redact = redact;
        this.parser = parsers.apply(new StreamParser.Sink() {
            @Override
            public void text(String text) {
                queue(new AdapterWire.DeltaEvent(text));
            }

            @Override
            public void done(StreamOutcome outcome) {
                queue(new AdapterWire.DoneEvent(outcome.finishReason(),
                        outcome.model() != null ? outcome.model() : fallbackModel, outcome.usage()));
                ended = true;
                over(null);
            }
        });
    }

    @Override
    public void subscribe(Flow.Subscriber<? super String> downstream) {
        if (subscriber != null) {
            downstream.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            downstream.onError(new IllegalStateException("a model stream can be read once"));
            return;
        }
        subscriber = downstream;
        downstream.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (n <= 0) {
                    cancel();
                    downstream.onError(new IllegalArgumentException("demand must be positive, was " + n));
                    return;
                }
                demand.accumulateAndGet(n, (current, added) -> current + added < 0 ? Long.MAX_VALUE : current + added);
                drain();
            }

            @Override
            public void cancel() {
                if (!cancelled) {
                    cancelled = true;
                    // the caller went away: the model stops generating for nobody
                    source.cancel();
                    lines.clear();
                    over(null);
                }
            }
        });
        source.read(this::piece, this::end, this::failed);
    }

    /** A piece of the model's body, on the egress event loop. */
    private void piece(Buffer buffer) {
        if (ended || cancelled) {
            return;
        }
        try {
            parser.feed(buffer.getBytes());
        } catch (ModelStreamException e) {
            source.cancel();
            broke("model_server_error", "model server at " + source.url() + " " + e.getMessage());
            return;
        }
        synchronized (this) {
            if (!paused && !ended && queued.get() >= HIGH_WATER) {
                paused = true;
                source.pause();
            }
        }
        deliver();
    }

    private void end() {
        if (ended || cancelled) {
            return;
        }
        try {
            parser.end();
        } catch (ModelStreamException e) {
            broke("model_server_error", "model server at " + source.url() + " " + e.getMessage());
            return;
        }
        deliver();
    }

    private void failed(ModelCallException e) {
        if (ended || cancelled) {
            return;
        }
        broke(switch (e.kind()) {
            case TIMEOUT -> "model_server_timeout";
            case UNREACHABLE -> "model_server_unreachable";
            default -> "model_server_error";
        }, e.getMessage());
    }

    /** The stream broke after its 200 went out: an {@code error} line ends it, and the log says why. */
    private void broke(String error, String message) {
        String shown = redact.apply(message);
        // the log goes to the caller's context before the error line exists, so that it is written before
        // the line can end the response
        onCaller(() -> {
            // the id is put here explicitly: this runs on an event loop after the request's filters are done
            Object previous = MDC.get("requestId");
            MDC.put("requestId", requestId);
            try {
                LOG.warnf("Model stream failed after the answer began (%s): %s", error, shown);
            } finally {
                if (previous == null) {
                    MDC.remove("requestId");
                } else {
                    MDC.put("requestId", previous);
                }
            }
        });
        queue(new AdapterWire.ErrorEvent(error, shown));
        ended = true;
        deliver();
        // the model endpoint's breaker counts the broken stream, and its bulkhead slot is free again
        over(new ModelCallException(switch (error) {
            case "model_server_timeout" -> ModelCallException.Kind.TIMEOUT;
            case "model_server_unreachable" -> ModelCallException.Kind.UNREACHABLE;
            default -> ModelCallException.Kind.MODEL_SERVER_ERROR;
        }, null, shown));
    }

    private void over(Throwable failure) {
        if (over.compareAndSet(false, true)) {
            onEnd.accept(failure);
        }
    }

    private void queue(Object event) {
        try {
            lines.add(json.writeValueAsString(event) + "\n");
            queued.incrementAndGet();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stream events are plain records", e);
        }
    }

    private void deliver() {
        onCaller(this::drain);
    }

    private void onCaller(Runnable action) {
        if (caller == null) {
            action.run();
        } else {
            caller.runOnContext(ignored -> action.run());
        }
    }

    /** Hands queued lines to the subscriber as far as its demand goes; one thread at a time. */
    private void drain() {
        if (draining.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Flow.Subscriber<? super String> downstream = subscriber;
            while (!cancelled && demand.get() > 0) {
                String line = lines.poll();
                if (line == null) {
                    break;
                }
                queued.decrementAndGet();
                demand.decrementAndGet();
                downstream.onNext(line);
            }
            if (!cancelled && ended && lines.isEmpty() && !completed) {
                completed = true;
                downstream.onComplete();
            }
            missed = draining.addAndGet(-missed);
        } while (missed != 0);
        synchronized (this) {
            if (paused && queued.get() <= LOW_WATER) {
                paused = false;
                source.resume();
            }
        }
    }
}
