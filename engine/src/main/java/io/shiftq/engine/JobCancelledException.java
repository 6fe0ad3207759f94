package io.shiftq.engine;

/** Thrown at the next batch after a job was cancelled ({@link Cancellation}); the service turns it into CANCELLED. */
public final class JobCancelledException extends RuntimeException {

    /** The job was cancelled. */
    public JobCancelledException() {
        super("the job was cancelled", null, false, false);
    }
}
