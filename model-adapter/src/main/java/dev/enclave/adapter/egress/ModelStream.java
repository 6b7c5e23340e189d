package dev.enclave.adapter.egress;

import dev.enclave.adapter.provider.ModelCallException;
import io.vertx.core.buffer.Buffer;

import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A model server's answer whose status and headers have arrived and whose body has not been read
 * yet. The body is paused until {@link #read} attaches handlers; after that it can be paused and
 * resumed (back-pressure) or cancelled, which resets the connection so the model stops working
 * for nobody. Every method may be called from any thread; the handlers run on the egress client's
 * event loop, one at a time. The call's deadline (read timeout or the caller's {@code timeout_ms})
 * keeps running while the body is read: when it passes, the connection is reset and the failure
 * handler gets a {@code TIMEOUT}.
 */
public interface ModelStream {

    int status();

    /** First value of each response header, keyed by lower-case name. */
    Map<String, String> headers();

    /** First value of a response header, by case-insensitive name, or null. */
    default String header(String name) {
        return headers().get(name.toLowerCase(Locale.ROOT));
    }

    /** The URL called, for messages and logs (it carries no credentials). */
    String url();

    /**
     * Starts delivering the body: pieces as they arrive, then exactly one of {@code end} and
     * {@code failure} ({@code UNREACHABLE} when the connection breaks, {@code TIMEOUT} at the deadline).
     * Nothing is delivered after {@link #cancel()}.
     */
    void read(Consumer<Buffer> piece, Runnable end, Consumer<ModelCallException> failure);

    /** Stops reading from the connection until {@link #resume()}; TCP then slows the model server down. */
    void pause();

    void resume();

    /** Closes the model connection at once; no handler is called afterwards. */
    void cancel();
}
