package io.shiftq.service;

import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageStatus;
import io.shiftq.schema.report.EpochResult;
import io.shiftq.schema.report.ShiftRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds a stage's {@link StageCompleted}; the start time is taken when the builder is made. */
public final class CompletionBuilder {

    private final String jobId;
    private final String variant;
    private final QuantizationConfig config;
    private final Stage stage;
    private final Instant startedAt = Instant.now();
    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private final Map<String, ArtifactRef> artifacts = new LinkedHashMap<>();
    private StageStatus status = StageStatus.COMPLETED;
    private Double accuracy;
    private List<ShiftRecord> shiftRecords = List.of();
    private List<EpochResult> epochs = List.of();

    private CompletionBuilder(String jobId, String variant, QuantizationConfig config, Stage stage) {
        this.jobId = jobId;
        this.variant = variant;
        this.config = config;
        this.stage = stage;
    }

    /** Starts the completion of {@code stage} for a job. */
    public static CompletionBuilder start(String jobId, String variant, QuantizationConfig config, Stage stage) {
        return new CompletionBuilder(jobId, variant, config, stage);
    }

    /** Starts the completion of {@code stage} for the job an upstream stage handed over, carrying its config. */
    public static CompletionBuilder after(StageCompleted upstream, Stage stage) {
        return new CompletionBuilder(upstream.jobId(), upstream.variant(), upstream.config(), stage);
    }

    /** {@link StageStatus#SKIPPED} when true. */
    public CompletionBuilder skipped(boolean skipped) {
        status = skipped ? StageStatus.SKIPPED : StageStatus.COMPLETED;
        return this;
    }

    /** {@link StageStatus#CANCELLED}: the job was cancelled before or while this stage ran. */
    public CompletionBuilder cancelled() {
        status = StageStatus.CANCELLED;
        return this;
    }

    /** The accuracy after this stage, percent. */
    public CompletionBuilder accuracy(double value) {
        accuracy = value;
        return this;
    }

    /** Adds a named number. */
    public CompletionBuilder metric(String name, double value) {
        metrics.put(name, value);
        return this;
    }

    /** The shift records known after this stage. */
    public CompletionBuilder shiftRecords(List<ShiftRecord> records) {
        shiftRecords = records;
        return this;
    }

    /** The per-epoch curve. */
    public CompletionBuilder epochs(List<EpochResult> curve) {
        epochs = curve;
        return this;
    }

    /** Adds a named artifact reference. */
    public CompletionBuilder artifact(String name, ArtifactRef ref) {
        artifacts.put(name, ref);
        return this;
    }

    /** Adds named artifact references, in their order. */
    public CompletionBuilder artifacts(Map<String, ArtifactRef> refs) {
        artifacts.putAll(refs);
        return this;
    }

    /** The event, finished now. */
    public StageCompleted build() {
        return new StageCompleted(
                EventTypes.SCHEMA_VERSION,
                jobId,
                variant,
                stage,
                status,
                startedAt,
                Instant.now(),
                config,
                accuracy,
                metrics,
                shiftRecords,
                epochs,
                artifacts);
    }
}
