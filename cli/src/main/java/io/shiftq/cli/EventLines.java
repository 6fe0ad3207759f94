package io.shiftq.cli;

import io.shiftq.schema.event.ReportPublished;
import io.shiftq.schema.event.ReportSummary;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.report.JobStatus;
import java.util.Locale;

/** One readable line per event. */
final class EventLines {

    private static final int BAR = 20;

    private EventLines() {}

    static String progress(StageProgress p) {
        StringBuilder line =
                new StringBuilder(String.format(Locale.ROOT, "%-11s ", p.stage().id()));
        int filled = (int) Math.round(Math.max(0, Math.min(100, p.percent())) / 100 * BAR);
        line.append('[')
                .append("#".repeat(filled))
                .append(".".repeat(BAR - filled))
                .append(']')
                .append(String.format(Locale.ROOT, " %5.1f%%", p.percent()));
        if (p.epoch() != null) {
            line.append(" epoch ").append(p.epoch()).append(p.epochs() == null ? "" : "/" + p.epochs());
        }
        if (p.batch() != null) {
            line.append(" batch ").append(p.batch()).append(p.batches() == null ? "" : "/" + p.batches());
        }
        if (p.loss() != null) {
            line.append(String.format(Locale.ROOT, " loss %.4f", p.loss()));
        }
        if (p.accuracy() != null) {
            line.append(String.format(Locale.ROOT, " acc %.2f%%", p.accuracy()));
        }
        if (p.etaSeconds() != null) {
            line.append(String.format(Locale.ROOT, " eta %.0fs", p.etaSeconds()));
        }
        if (p.message() != null && !p.message().isBlank()) {
            line.append("  ").append(p.message());
        }
        return line.toString();
    }

    static String completed(StageCompleted c) {
        StringBuilder line = new StringBuilder(String.format(
                Locale.ROOT, "%-11s %s", c.stage().id(), c.status().id()));
        if (c.accuracy() != null) {
            line.append(String.format(Locale.ROOT, ", accuracy %.2f%%", c.accuracy()));
        }
        if (c.millis() != null) {
            line.append(String.format(Locale.ROOT, ", %.1f s", c.millis() / 1000.0));
        }
        if (!c.shiftRecords().isEmpty()) {
            line.append(", ").append(c.shiftRecords().size()).append(" shift records");
        }
        return line.toString();
    }

    static String failed(StageFailed f) {
        StringBuilder line = new StringBuilder(
                String.format(Locale.ROOT, "%-11s FAILED: %s", f.stage().id(), f.reason()));
        f.problems().stream()
                .filter(p -> !p.equals(f.reason()))
                .forEach(p -> line.append("\n    - ").append(p));
        return line.toString();
    }

    static String summary(ReportPublished r, String path) {
        ReportSummary s = r.summary();
        StringBuilder text = new StringBuilder("report      " + path);
        if (s != null && s.status() == JobStatus.CANCELLED) {
            text.append("  (cancelled: shiftq cancel stopped the job; stages after the cancel show -)");
        }
        if (s != null) {
            text.append(String.format(
                    Locale.ROOT,
                    "%n  FP32 (calibration)       %s%n  PTQ (ptq stage)          %s"
                            + "%n  QAT best (qat stage)     %s%n  final (final-ptq stage)  %s%n  layers with shift records %d"
                            + "%n  total time               %.1f s",
                    pct(s.initialAccuracy()),
                    pct(s.ptqAccuracy()),
                    pct(s.qatBestAccuracy()),
                    pct(s.finalAccuracy()),
                    s.layers(),
                    s.totalMillis() / 1000.0));
        }
        return text.toString();
    }

    private static String pct(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.2f%%", value);
    }
}
