package io.shiftq.reporting;

import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.EventTypes;
import io.shiftq.schema.event.Metrics;
import io.shiftq.schema.event.QuantizationRequested;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageFailed;
import io.shiftq.schema.event.StageProgress;
import io.shiftq.schema.event.StageStatus;
import io.shiftq.schema.report.EpochResult;
import io.shiftq.schema.report.ShiftRecord;
import io.shiftq.schema.report.TensorShift;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A synthetic job's events, as the four stage services would publish them. */
final class Events {

    static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");
    static final QuantizationConfig CONFIG = QuantizationConfig.defaults();
    static final ArtifactRef MODEL = new ArtifactRef("file:///tmp/none/model.params", "00", 1);

    private Events() {}

    static QuantizationRequested request(String jobId) {
        return new QuantizationRequested(EventTypes.SCHEMA_VERSION, jobId, ShiftqEvent.CUSTOM, T0, CONFIG);
    }

    static StageCompleted calibration(String jobId) {
        return done(jobId, Stage.CALIBRATION, StageStatus.COMPLETED, 1, 90.0, Map.of(), List.of(), List.of());
    }

    static StageCompleted ptq(String jobId) {
        return done(jobId, Stage.PTQ, StageStatus.COMPLETED, 2, 88.5, Map.of(), records(false), List.of());
    }

    static StageCompleted qat(String jobId) {
        return done(
                jobId,
                Stage.QAT,
                StageStatus.COMPLETED,
                3,
                89.25,
                Map.of(),
                records(false),
                List.of(new EpochResult(1, 0.4, 86.0, 89.25, 0.0005, 1000)));
    }

    static StageCompleted qatSkipped(String jobId) {
        return done(jobId, Stage.QAT, StageStatus.SKIPPED, 3, null, Map.of(), List.of(), List.of());
    }

    static StageCompleted finalPtq(String jobId) {
        return done(
                jobId,
                Stage.FINAL_PTQ,
                StageStatus.COMPLETED,
                4,
                89.0,
                Map.of(Metrics.FLOAT32_BYTES, 4000.0, Metrics.QUANTIZED_BYTES, 1000.0),
                records(true),
                List.of());
    }

    static StageCompleted cancelled(String jobId, Stage stage) {
        return done(jobId, stage, StageStatus.CANCELLED, 3, null, Map.of(), List.of(), List.of());
    }

    static StageProgress progress(String jobId, double percent) {
        return StageProgress.of(jobId, ShiftqEvent.CUSTOM, Stage.QAT, percent, "epoch 1/1");
    }

    static StageFailed failure(String jobId) {
        return StageFailed.of(
                jobId,
                ShiftqEvent.CUSTOM,
                Stage.PTQ,
                "model weights missing: set model.weights",
                List.of("model.weights: no such file"));
    }

    /** Two layers; the final records carry input and output exponents too. */
    static List<ShiftRecord> records(boolean full) {
        return List.of(
                record("features.0", "Conv2d", 7, full ? 4 : null, full ? 3 : null, null),
                record("classifier.0", "Linear", 8, full ? 4 : null, full ? 2 : null, full ? 3 : null));
    }

    private static ShiftRecord record(String layer, String op, int w, Integer in, Integer out, Integer previous) {
        return ShiftRecord.derive(
                layer,
                op,
                TensorShift.perTensor(layer + ".weight", 8, true, "max", w, 40.0),
                TensorShift.perTensor(layer + ".bias", 32, true, "max", w + (in == null ? 0 : in), null),
                in == null ? null : TensorShift.perTensor(layer + ".input", 8, false, "percentile", in, null),
                out == null ? null : TensorShift.perTensor(layer + ".output", 8, true, "percentile", out, null),
                previous,
                ShiftRecord.HALF_UP);
    }

    private static StageCompleted done(
            String jobId,
            Stage stage,
            StageStatus status,
            int minute,
            Double accuracy,
            Map<String, Double> metrics,
            List<ShiftRecord> records,
            List<EpochResult> epochs) {
        return new StageCompleted(
                EventTypes.SCHEMA_VERSION,
                jobId,
                ShiftqEvent.CUSTOM,
                stage,
                status,
                T0.plusSeconds(60L * minute - 50),
                T0.plusSeconds(60L * minute),
                CONFIG,
                accuracy,
                metrics,
                records,
                epochs,
                Map.of("model", MODEL));
    }
}
