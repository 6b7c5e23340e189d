package dev.enclave.adapter.stream;

import dev.enclave.adapter.rest.AdapterWire;

/**
 * Reads one provider's streaming wire format incrementally: {@link #feed} takes the response body
 * in whatever pieces the network delivers (a line, a frame or a UTF-8 character may be split
 * anywhere), {@link #end} marks the end of the body. Text pieces go to the sink as soon as they
 * are complete; {@code done} goes once, when the model said it finished. Not thread-safe: one
 * stream, one thread at a time.
 */
public abstract class StreamParser {

    /** Where a stream's content goes. */
    public interface Sink {

        /** A piece of the answer's text, never empty. */
        void text(String text);

        /** The model finished; called once, last. */
        void done(StreamOutcome outcome);
    }

    private final Sink sink;
    private boolean finished;
    protected String finishReason;
    protected String model;
    protected Integer promptTokens;
    protected Integer completionTokens;

    protected StreamParser(Sink sink) {
        this.sink = sink;
    }

    /** Whether the model said it finished (then further bytes are ignored). */
    public final boolean finished() {
        return finished;
    }

    public final void feed(byte[] bytes) throws ModelStreamException {
        feed(bytes, 0, bytes.length);
    }

    public final void feed(byte[] bytes, int offset, int length) throws ModelStreamException {
        if (!finished) {
            read(bytes, offset, length);
        }
    }

    /**
     * The body ended. A stream whose model said why it stopped (a finish or stop reason) counts as
     * finished even without the provider's end marker; any other end is a broken stream.
     */
    public final void end() throws ModelStreamException {
        if (finished) {
            return;
        }
        endOfBody();
        if (!finished) {
            if (finishReason == null) {
                throw new ModelStreamException("ended its stream before the answer was finished");
            }
            finish();
        }
    }

    protected abstract void read(byte[] bytes, int offset, int length) throws ModelStreamException;

    /** Whatever the format does with data still buffered at the end of the body. */
    protected void endOfBody() throws ModelStreamException {
    }

    protected final void text(String text) {
        if (text != null && !text.isEmpty() && !finished) {
            sink.text(text);
        }
    }

    protected final void finish() {
        if (finished) {
            return;
        }
        finished = true;
        AdapterWire.Usage usage = promptTokens == null && completionTokens == null ? null
                : new AdapterWire.Usage(promptTokens, completionTokens);
        sink.done(new StreamOutcome(finishReason, model, usage));
    }
}
