package io.shiftq.schema.event;

import io.shiftq.schema.report.JobStatus;

/**
 * The headline numbers of a report, so a watcher needs not fetch the file. Accuracies are top-1 percent.
 *
 * @param layers how many layers have a shift record
 * @param totalMillis wall time from request to report
 * @param status cancelled for a job stopped by {@code shiftq cancel}; absent (null) for one that ran to the end
 */
public record ReportSummary(
        Double initialAccuracy,
        Double ptqAccuracy,
        Double qatBestAccuracy,
        Double finalAccuracy,
        int layers,
        long totalMillis,
        JobStatus status) {

    /** The summary of a job that ran to the end. */
    public ReportSummary(
            Double initialAccuracy,
            Double ptqAccuracy,
            Double qatBestAccuracy,
            Double finalAccuracy,
            int layers,
            long totalMillis) {
        this(initialAccuracy, ptqAccuracy, qatBestAccuracy, finalAccuracy, layers, totalMillis, null);
    }
}
