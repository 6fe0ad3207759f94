package io.shiftq.reporting;

import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.ReportSummary;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.event.StageProgress;
import java.time.Instant;
import java.util.List;

/**
 * A snapshot of one job for the REST API.
 *
 * @param variant null until an event that names it has been seen
 * @param stages the finished stages in pipeline order
 * @param progress the latest progress event of any stage
 * @param reason the latest failure's reason while the job is FAILED, else null
 * @param failures every StageFailed of the job, oldest first
 * @param report the report file once published
 */
public record JobView(
        String jobId,
        String variant,
        JobState state,
        Instant requestedAt,
        List<StageView> stages,
        StageProgress progress,
        String reason,
        List<StageFailed> failures,
        ArtifactRef report,
        ReportSummary summary) {

    /** Copies the lists so a snapshot does not change with the board. */
    public JobView {
        stages = List.copyOf(stages);
        failures = List.copyOf(failures);
    }
}
