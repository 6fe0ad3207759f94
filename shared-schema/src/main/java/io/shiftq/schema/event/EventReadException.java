package io.shiftq.schema.event;

/** A payload that could not be read as the expected event; the message says why, for a StageFailed event. */
public class EventReadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An unreadable payload, with what was wrong. */
    public EventReadException(String message) {
        super(message);
    }

    /** An unreadable payload, with what was wrong and the parser's exception. */
    public EventReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
