package io.shiftq.schema.event;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.shiftq.schema.ImmutableCopies;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.report.EpochResult;
import io.shiftq.schema.report.ShiftRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stage finished (or was skipped), published to the stage's done topic ({@link Stage#doneTopic()}).
 *
 * @param config the job's config, carried forward so each stage needs only its input topic
 * @param accuracy top-1 test accuracy in percent after this stage, when it measured one
 * @param metrics other numbers, e.g. {@code fp32_accuracy}, {@code qat_best_accuracy}
 * @param shiftRecords the shift records known after this stage (weights/biases after PTQ, all after final PTQ)
 * @param epochs the per-epoch curve of a training stage
 * @param artifacts named references into the artifact store, e.g. {@code model}, {@code activation_stats}
 */
public record StageCompleted(
        @JsonProperty(required = true) String schemaVersion,
        @JsonProperty(required = true) String jobId,
        @JsonProperty(required = true) String variant,
        @JsonProperty(required = true) Stage stage,
        @JsonProperty(required = true) StageStatus status,
        Instant startedAt,
        Instant finishedAt,
        @JsonProperty(required = true) QuantizationConfig config,
        Double accuracy,
        Map<String, Double> metrics,
        List<ShiftRecord> shiftRecords,
        List<EpochResult> epochs,
        Map<String, ArtifactRef> artifacts)
        implements ShiftqEvent {

    /** Copies the collections so the event cannot change after it is built; maps keep their order. */
    public StageCompleted {
        metrics = ImmutableCopies.map(metrics);
        shiftRecords = ImmutableCopies.list(shiftRecords);
        epochs = ImmutableCopies.list(epochs);
        artifacts = ImmutableCopies.map(artifacts);
    }

    /** Milliseconds between start and finish, or null when either is unknown. */
    public Long millis() {
        return startedAt == null || finishedAt == null ? null : finishedAt.toEpochMilli() - startedAt.toEpochMilli();
    }

    /** The same event with one more metric (or a metric replaced), after the others in their order. */
    public StageCompleted withMetric(String name, double value) {
        Map<String, Double> more = new LinkedHashMap<>();
        if (metrics != null) {
            more.putAll(metrics);
        }
        more.put(name, value);
        return new StageCompleted(
                schemaVersion,
                jobId,
                variant,
                stage,
                status,
                startedAt,
                finishedAt,
                config,
                accuracy,
                more,
                shiftRecords,
                epochs,
                artifacts);
    }
}
