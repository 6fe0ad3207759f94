package io.shiftq.schema.event;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.shiftq.schema.config.QuantizationConfig;
import java.time.Instant;

/**
 * A request to quantize a model, published to {@link Topics#REQUESTS}.
 *
 * @param variant {@link ShiftqEvent#CUSTOM} for the Java stages, {@link ShiftqEvent#AIMET} for the AIMET worker
 * @param config the whole job configuration; readers merge it over the defaults and validate it
 */
public record QuantizationRequested(
        @JsonProperty(required = true) String schemaVersion,
        @JsonProperty(required = true) String jobId,
        @JsonProperty(required = true) String variant,
        Instant requestedAt,
        @JsonProperty(required = true) QuantizationConfig config)
        implements ShiftqEvent {

    /** A request made now, with a checked job id and variant and a validated config. */
    public static QuantizationRequested of(String jobId, String variant, QuantizationConfig config) {
        if (!VARIANTS.contains(variant)) {
            throw new IllegalArgumentException(
                    "variant '" + variant + "' is not one of " + String.join(", ", VARIANTS));
        }
        return new QuantizationRequested(
                EventTypes.SCHEMA_VERSION, JobIds.requireValid(jobId), variant, Instant.now(), config.validated());
    }
}
