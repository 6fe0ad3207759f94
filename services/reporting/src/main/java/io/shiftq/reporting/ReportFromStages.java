package io.shiftq.reporting;

import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.ArtifactRef;
import io.shiftq.schema.event.Metrics;
import io.shiftq.schema.event.ReportSummary;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.event.StageCompleted;
import io.shiftq.schema.event.StageStatus;
import io.shiftq.schema.report.IntegerCheck;
import io.shiftq.schema.report.JobStatus;
import io.shiftq.schema.report.ModelSize;
import io.shiftq.schema.report.QuantizationReport;
import io.shiftq.schema.report.ShiftRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a job's four stage completions into its report with {@link QuantizationReport#builder}, the same
 * assembly the engine uses in one process. The result depends only on the events, so a replay builds the same
 * bytes again.
 */
public final class ReportFromStages {

    private ReportFromStages() {}

    /**
     * The report of a job whose four stages are in.
     *
     * @throws IllegalArgumentException naming what the events lack (a stage, an accuracy, the shift records)
     */
    public static QuantizationReport build(JobBoard.ReportInput input) {
        for (Stage stage : Stage.PIPELINE) {
            if (require(input, stage).status() == StageStatus.CANCELLED) {
                return cancelled(input, stage);
            }
        }
        StageCompleted calibration = require(input, Stage.CALIBRATION);
        StageCompleted ptq = require(input, Stage.PTQ);
        StageCompleted qat = require(input, Stage.QAT);
        StageCompleted last = require(input, Stage.FINAL_PTQ);
        double initial = accuracy(calibration, null);
        double ptqAccuracy = accuracy(ptq, null);
        // A skipped QAT trained nothing, so its best is the PTQ model; a skipped final PTQ leaves the QAT model.
        double qatBest = accuracy(qat, ptqAccuracy);
        double finalAccuracy = accuracy(last, qatBest);
        return common(input, last.config())
                .initialAccuracy(initial)
                .ptqAccuracy(ptqAccuracy)
                .qatBestAccuracy(qatBest)
                .finalAccuracy(finalAccuracy)
                .shiftRecords(lastNonEmpty(last, qat, ptq))
                .modelSize(size(last, ptq))
                .qatEpochs(qat.epochs())
                .integerCheck(IntegerCheck.fromMetrics(last.metrics()))
                .metrics(merged(ptq, qat))
                .build();
    }

    /** The metrics of some stages in one map (their names do not overlap where the report reads them). */
    private static Map<String, Double> merged(StageCompleted... stages) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (StageCompleted done : stages) {
            if (done.metrics() != null) {
                out.putAll(done.metrics());
            }
        }
        return out;
    }

    /**
     * The report of a cancelled job: status cancelled, the stage the cancel stopped, and what the stages before it
     * measured (their accuracies, shift records, timings and files); the rest stays null.
     */
    private static QuantizationReport cancelled(JobBoard.ReportInput input, Stage at) {
        QuantizationReport.Builder report =
                common(input, input.stages().get(Stage.FINAL_PTQ).config()).cancelledAt(at);
        Map<Stage, StageCompleted> ran = new LinkedHashMap<>();
        input.stages().forEach((stage, done) -> {
            if (done.status() == StageStatus.COMPLETED && done.accuracy() != null) {
                ran.put(stage, done);
            }
        });
        Optional.ofNullable(ran.get(Stage.CALIBRATION)).ifPresent(d -> report.initialAccuracy(d.accuracy()));
        Optional.ofNullable(ran.get(Stage.PTQ)).ifPresent(d -> report.ptqAccuracy(d.accuracy()));
        Optional.ofNullable(ran.get(Stage.QAT))
                .ifPresent(d -> report.qatBestAccuracy(d.accuracy()).qatEpochs(d.epochs()));
        Optional.ofNullable(ran.get(Stage.FINAL_PTQ)).ifPresent(d -> report.finalAccuracy(d.accuracy()));
        List<StageCompleted> newestFirst = new ArrayList<>(ran.values());
        Collections.reverse(newestFirst);
        newestFirst.stream()
                .filter(d -> !d.shiftRecords().isEmpty())
                .findFirst()
                .ifPresent(d -> report.shiftRecords(d.shiftRecords()));
        return report.build();
    }

    /** The builder with what every report holds: stage timings, the pipeline's overhead, every stage's files. */
    private static QuantizationReport.Builder common(JobBoard.ReportInput input, QuantizationConfig config) {
        Map<String, Long> timings = new LinkedHashMap<>();
        Map<String, ArtifactRef> artifacts = new LinkedHashMap<>();
        for (Stage stage : Stage.PIPELINE) {
            StageCompleted done = input.stages().get(stage);
            if (done.millis() != null) {
                timings.put(stage.id(), done.millis());
            }
            // Prefixed by stage, since every stage may name its output "model".
            done.artifacts().forEach((name, ref) -> artifacts.put(stage.id() + "." + name, ref));
        }
        overhead(input, timings);
        return QuantizationReport.builder(input.jobId(), input.variant(), config)
                .stageTimingsMs(timings)
                .artifacts(artifacts);
    }

    /**
     * What the pipeline adds to the engine's compute: {@code request_handoff} runs from the request's
     * creation (in the client, before it even connects) to the first stage's start; {@code kafka_handoffs}
     * sums the gaps between one stage's finish and the next stage's start; {@code artifact_io} sums the
     * stages' artifact reads and writes ({@code artifact_io_ms} metric).
     */
    private static void overhead(JobBoard.ReportInput input, Map<String, Long> timings) {
        Instant requested = input.request() == null ? null : input.request().requestedAt();
        StageCompleted first = input.stages().get(Stage.PIPELINE.get(0));
        if (requested != null && first.startedAt() != null) {
            timings.put("request_handoff", Math.max(0, first.startedAt().toEpochMilli() - requested.toEpochMilli()));
        }
        Instant previous = null;
        long handoffs = 0;
        double io = 0;
        for (Stage stage : Stage.PIPELINE) {
            StageCompleted done = input.stages().get(stage);
            if (previous != null && done.startedAt() != null) {
                handoffs += Math.max(0, done.startedAt().toEpochMilli() - previous.toEpochMilli());
            }
            previous = done.finishedAt();
            io += done.metrics() == null ? 0 : done.metrics().getOrDefault(Metrics.ARTIFACT_IO_MS, 0.0);
        }
        timings.put("kafka_handoffs", handoffs);
        timings.put("artifact_io", Math.round(io));
    }

    /** The headline numbers; total time runs from the request (or the first stage's start) to the last finish. */
    public static ReportSummary summary(JobBoard.ReportInput input, QuantizationReport report) {
        Instant start = input.request() != null && input.request().requestedAt() != null
                ? input.request().requestedAt()
                : input.stages().get(Stage.CALIBRATION).startedAt();
        Instant end = input.stages().get(Stage.FINAL_PTQ).finishedAt();
        long total = start == null || end == null ? 0 : Math.max(0, end.toEpochMilli() - start.toEpochMilli());
        return new ReportSummary(
                report.initialAccuracy(),
                report.ptqAccuracy(),
                report.qatBestAccuracy(),
                report.finalAccuracy(),
                report.shiftRecords().size(),
                total,
                report.status() == JobStatus.CANCELLED ? JobStatus.CANCELLED : null);
    }

    private static StageCompleted require(JobBoard.ReportInput input, Stage stage) {
        StageCompleted done = input.stages().get(stage);
        if (done == null) {
            throw new IllegalArgumentException("job " + input.jobId() + " has no " + stage.id() + " completion");
        }
        return done;
    }

    private static double accuracy(StageCompleted done, Double whenSkipped) {
        if (done.accuracy() != null) {
            return done.accuracy();
        }
        if (done.status() == StageStatus.SKIPPED && whenSkipped != null) {
            return whenSkipped;
        }
        throw new IllegalArgumentException(done.stage().id() + " of job " + done.jobId() + " carries no accuracy");
    }

    private static List<ShiftRecord> lastNonEmpty(StageCompleted... newestFirst) {
        for (StageCompleted done : newestFirst) {
            if (!done.shiftRecords().isEmpty()) {
                return done.shiftRecords();
            }
        }
        throw new IllegalArgumentException("job " + newestFirst[0].jobId() + ": no stage carries shift records");
    }

    private static ModelSize size(StageCompleted... newestFirst) {
        for (StageCompleted done : newestFirst) {
            Double f = done.metrics().get(Metrics.FLOAT32_BYTES);
            Double q = done.metrics().get(Metrics.QUANTIZED_BYTES);
            if (f != null && q != null) {
                return ModelSize.of(f.longValue(), q.longValue());
            }
        }
        return null;
    }
}
