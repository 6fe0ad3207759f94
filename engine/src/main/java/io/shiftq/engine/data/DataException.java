package io.shiftq.engine.data;

/** A data set that cannot be found or read; the message says what to install or set. */
public class DataException extends RuntimeException {
    /** With a message a person can act on. */
    public DataException(String message) {
        super(message);
    }

    /** With a message and the cause. */
    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
