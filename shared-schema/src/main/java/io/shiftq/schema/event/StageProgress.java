package io.shiftq.schema.event;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * How far a running stage is, published to {@link Topics#PROGRESS}; fields that do not apply are null.
 *
 * @param percent 0..100 of the stage's work
 * @param loss the latest training loss
 * @param accuracy the latest accuracy in percent
 * @param etaSeconds estimated seconds until the stage ends
 * @param message a short line for a person, e.g. "calibrating batch 12/50"
 */
public record StageProgress(
        @JsonProperty(required = true) String schemaVersion,
        @JsonProperty(required = true) String jobId,
        @JsonProperty(required = true) String variant,
        @JsonProperty(required = true) Stage stage,
        double percent,
        Integer epoch,
        Integer epochs,
        Integer batch,
        Integer batches,
        Double loss,
        Double accuracy,
        Double etaSeconds,
        String message,
        Instant at)
        implements ShiftqEvent {

    /** A progress event now with only a percentage and a message; the rest stays null. */
    public static StageProgress of(String jobId, String variant, Stage stage, double percent, String message) {
        return new StageProgress(
                EventTypes.SCHEMA_VERSION,
                jobId,
                variant,
                stage,
                percent,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                message,
                Instant.now());
    }
}
