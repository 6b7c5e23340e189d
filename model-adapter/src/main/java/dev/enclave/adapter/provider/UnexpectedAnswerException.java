package dev.enclave.adapter.provider;

/** A 2xx answer that does not have the provider's shape; the message completes "model server at X answered …". */
public class UnexpectedAnswerException extends Exception {

    public UnexpectedAnswerException(String message) {
        super(message, null, false, false);
    }
}
