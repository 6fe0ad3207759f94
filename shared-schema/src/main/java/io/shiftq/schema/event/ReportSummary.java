package io.shiftq.schema.event;

/**
 * The headline numbers of a report, so a watcher needs not fetch the file. Accuracies are top-1 percent.
 *
 * @param layers how many layers have a shift record
 * @param totalMillis wall time from request to report
 */
public record ReportSummary(
        Double initialAccuracy,
        Double ptqAccuracy,
        Double qatBestAccuracy,
        Double finalAccuracy,
        int layers,
        long totalMillis) {}
