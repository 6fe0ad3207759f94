package io.shiftq.schema.event;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A job's report is in the artifact store, published to {@link Topics#REPORTS}.
 *
 * @param report the QuantizationReport JSON file
 */
public record ReportPublished(
        @JsonProperty(required = true) String schemaVersion,
        @JsonProperty(required = true) String jobId,
        @JsonProperty(required = true) String variant,
        @JsonProperty(required = true) ArtifactRef report,
        ReportSummary summary,
        Instant at)
        implements ShiftqEvent {}
