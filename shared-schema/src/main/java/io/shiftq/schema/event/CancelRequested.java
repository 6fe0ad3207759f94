package io.shiftq.schema.event;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A request to stop a job, published to {@link Topics#CONTROL} keyed by job id ({@code shiftq cancel JOB}). Every stage
 * instance reads it: a job not yet started is not run, a running one stops at its next batch, and each stage publishes
 * its completion with {@link StageStatus#CANCELLED}, so the report says cancelled.
 *
 * @param variant the job's variant; every stage honours a cancel whatever it says (job ids are unique)
 * @param reason why, in the user's words (optional)
 */
public record CancelRequested(
        @JsonProperty(required = true) String schemaVersion,
        @JsonProperty(required = true) String jobId,
        @JsonProperty(required = true) String variant,
        Instant requestedAt,
        String reason)
        implements ShiftqEvent {

    /** A cancel made now, for a checked job id and variant. */
    public static CancelRequested of(String jobId, String variant, String reason) {
        if (!VARIANTS.contains(variant)) {
            throw new IllegalArgumentException(
                    "variant '" + variant + "' is not one of " + String.join(", ", VARIANTS));
        }
        return new CancelRequested(
                EventTypes.SCHEMA_VERSION, JobIds.requireValid(jobId), variant, Instant.now(), reason);
    }
}
