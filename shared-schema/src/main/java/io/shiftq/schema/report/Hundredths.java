package io.shiftq.schema.report;

/** Figures in reports (accuracies, SQNR) are kept to two decimals; one rule for every writer of a report. */
public final class Hundredths {
    private Hundredths() {}

    /** {@code v} rounded to two decimals, halves up. */
    public static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
