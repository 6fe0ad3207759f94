package io.shiftq.reporting;

import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.ReportSummary;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.report.EpochResult;
import java.time.Instant;
import java.util.List;

/**
 * A snapshot of one job for the REST API.
 *
 * @param variant null until an event that names it has been seen
 * @param setup model, data set and bitwidths from the job's config; null until an event carries the config
 * @param stages the finished stages in pipeline order
 * @param qatEpochs the QAT curve, one entry per epoch, once QAT has finished
 * @param progress the latest progress event of any stage
 * @param reason the latest failure's reason while the job is FAILED, else null
 * @param failures every StageFailed of the job, oldest first
 * @param report the report file once published
 * @param notice why a queued or running job does not move, e.g. {@code no aimet worker is running (...)}; else null
 */
public record JobView(
        String jobId,
        String variant,
        JobState state,
        Instant requestedAt,
        JobSetup setup,
        List<StageView> stages,
        List<EpochResult> qatEpochs,
        StageProgress progress,
        String reason,
        List<StageFailed> failures,
        ArtifactRef report,
        ReportSummary summary,
        String notice) {

    /** Copies the lists so a snapshot does not change with the board. */
    public JobView {
        stages = List.copyOf(stages);
        qatEpochs = List.copyOf(qatEpochs);
        failures = List.copyOf(failures);
    }
}
