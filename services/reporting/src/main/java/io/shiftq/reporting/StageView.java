package io.shiftq.reporting;

import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageStatus;
import java.time.Instant;

/**
 * One finished stage of a job, as the REST API shows it.
 *
 * @param accuracy top-1 percent after the stage, when it measured one
 * @param millis wall time of the stage, when both timestamps are known
 */
public record StageView(
        Stage stage, StageStatus status, Double accuracy, Instant startedAt, Instant finishedAt, Long millis) {}
