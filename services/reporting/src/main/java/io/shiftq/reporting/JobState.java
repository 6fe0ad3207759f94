package io.shiftq.reporting;

import java.util.Set;

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
    CANCELLED;

    /** The states of a job that still waits for a stage: queued or running. */
    public static final Set<JobState> ACTIVE = Set.of(REQUESTED, RUNNING);
}
