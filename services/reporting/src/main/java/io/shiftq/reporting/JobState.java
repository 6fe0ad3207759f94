package io.shiftq.reporting;

/** Where a job stands, as far as the events seen so far tell. */
public enum JobState {
    /** Only the request has been seen. */
    REQUESTED,
    /** At least one stage has reported progress or completion. */
    RUNNING,
    /** A stage published StageFailed and no report followed. */
    FAILED,
    /** The report is in the artifact store and ReportPublished is out. */
    REPORTED,
    /** A stage said cancelled (shiftq cancel); the report, once out, says so too. */
    CANCELLED
}
