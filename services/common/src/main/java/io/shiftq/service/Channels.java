package io.shiftq.service;

/** Channel names the services and their tests share; each maps to a topic in the service's configuration. */
public final class Channels {

    /** Outgoing StageProgress, to {@code shiftq.progress}. */
    public static final String PROGRESS = "progress";
    /** Outgoing StageFailed, to {@code shiftq.failures}. */
    public static final String FAILURES = "failures";
    /** The worker pool stage jobs run on ({@code smallrye.messaging.worker.shiftq-stage.max-concurrency}). */
    public static final String WORKER_POOL = "shiftq-stage";

    private Channels() {}
}
