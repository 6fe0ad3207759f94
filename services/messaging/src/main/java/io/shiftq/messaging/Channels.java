package io.shiftq.messaging;

/**
 * Channel names the services, reporting and their tests share; each maps to a topic in the service's
 * {@code application.properties} ({@code mp.messaging.<direction>.<channel>.topic}).
 */
public final class Channels {

    /** StageProgress, to or from {@code shiftq.progress}. */
    public static final String PROGRESS = "progress";
    /** StageFailed, to or from {@code shiftq.failures}. */
    public static final String FAILURES = "failures";
    /** The worker pool stage jobs run on ({@code smallrye.messaging.worker.shiftq-stage.max-concurrency}). */
    public static final String WORKER_POOL = "shiftq-stage";

    /** Reporting: QuantizationRequested from {@code shiftq.requests}. */
    public static final String REQUESTS = "requests";
    /** Reporting: StageCompleted from the four done topics. */
    public static final String STAGE_DONE = "stage-done";
    /** Reporting: ReportPublished read back from {@code shiftq.reports}, so a restart knows which reports exist. */
    public static final String REPORTS_IN = "reports-in";
    /** Reporting: ReportPublished written to {@code shiftq.reports}. */
    public static final String REPORTS_OUT = "reports-out";
    /** Reporting: QuantizationRequested written to {@code shiftq.requests} by the page's form. */
    public static final String REQUESTS_OUT = "requests-out";

    private Channels() {}
}
