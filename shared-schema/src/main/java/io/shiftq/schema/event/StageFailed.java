package io.shiftq.schema.event;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.shiftq.schema.ImmutableCopies;
import io.shiftq.schema.Json;
import java.time.Instant;
import java.util.List;

/**
 * A stage could not do its work, published to {@link Topics#FAILURES}.
 *
 * @param reason one line a person can act on
 * @param problems each problem found, e.g. every config validation message
 * @param sourceTopic the topic of the input that failed, when the input itself was the problem
 * @param payloadExcerpt the start of an unreadable input
 */
public record StageFailed(
        @JsonProperty(required = true) String schemaVersion,
        @JsonProperty(required = true) String jobId,
        @JsonProperty(required = true) String variant,
        @JsonProperty(required = true) Stage stage,
        @JsonProperty(required = true) String reason,
        List<String> problems,
        String sourceTopic,
        String payloadExcerpt,
        Instant at)
        implements ShiftqEvent {

    /** Job id used when an unreadable payload had no record key either. */
    public static final String UNKNOWN_JOB = "unknown";

    /** Copies the problem list so the event cannot change after it is built. */
    public StageFailed {
        problems = ImmutableCopies.list(problems);
    }

    /** A failure now, of a stage that read its input and then could not finish. */
    public static StageFailed of(String jobId, String variant, Stage stage, String reason, List<String> problems) {
        return new StageFailed(
                EventTypes.SCHEMA_VERSION, jobId, variant, stage, reason, problems, null, null, Instant.now());
    }

    /**
     * A failure now for input that could not be read.
     *
     * @param recordKey the Kafka record key (the job id, when the producer followed the rules), or null
     */
    public static StageFailed unreadable(
            String recordKey,
            String variant,
            Stage stage,
            EventReadException error,
            String sourceTopic,
            String payload) {
        String jobId = JobIds.isValid(recordKey) ? recordKey : UNKNOWN_JOB;
        return new StageFailed(
                EventTypes.SCHEMA_VERSION,
                jobId,
                variant,
                stage,
                "unreadable input on " + sourceTopic + ": " + error.getMessage(),
                List.of(error.getMessage()),
                sourceTopic,
                Json.excerpt(payload),
                Instant.now());
    }
}
