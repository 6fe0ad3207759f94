package io.shiftq.schema.artifact;

/** An artifact that cannot be stored or trusted: outside the store, missing, or not the content its reference names. */
public class ArtifactException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A problem with what went wrong. */
    public ArtifactException(String message) {
        super(message);
    }

    /** A problem with what went wrong and the I/O error behind it. */
    public ArtifactException(String message, Throwable cause) {
        super(message, cause);
    }
}
