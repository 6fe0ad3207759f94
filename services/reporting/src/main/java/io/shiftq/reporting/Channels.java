package io.shiftq.reporting;

/** The reporting service's channel names, shared by the listeners, the publisher and the tests. */
public final class Channels {

    /** QuantizationRequested from {@code shiftq.requests}. */
    public static final String REQUESTS = "requests";
    /** StageCompleted from the four done topics. */
    public static final String STAGE_DONE = "stage-done";
    /** StageProgress from {@code shiftq.progress}. */
    public static final String PROGRESS = "progress";
    /** StageFailed from {@code shiftq.failures}. */
    public static final String FAILURES = "failures";
    /** ReportPublished read back from {@code shiftq.reports}, so a restart knows which reports exist. */
    public static final String REPORTS_IN = "reports-in";
    /** ReportPublished written to {@code shiftq.reports}. */
    public static final String REPORTS_OUT = "reports-out";

    /** QuantizationRequested written to {@code shiftq.requests} by the page's form. */
    public static final String REQUESTS_OUT = "requests-out";

    private Channels() {}
}
