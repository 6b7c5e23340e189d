package dev.enclave.adapter.stream;

/**
 * A model's stream that cannot go on: its bytes do not have the provider's format (a bad CRC,
 * invalid JSON, a line beyond the size cap), the provider sent its own error event, or the stream
 * ended before the model said it was finished. The message completes "model server at X …".
 */
public class ModelStreamException extends Exception {

    public ModelStreamException(String message) {
        super(message, null, false, false);
    }
}
