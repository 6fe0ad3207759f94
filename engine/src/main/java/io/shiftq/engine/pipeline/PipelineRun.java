package io.shiftq.engine.pipeline;

import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.quant.ActivationStats;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.event.Metrics;
import io.shiftq.schema.event.ShiftqEvent;
import io.shiftq.schema.event.Stage;
import io.shiftq.schema.report.QuantizationReport;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Runs the four stages in one process and returns the report, for the CLI's
 * local mode, the README figures and the benchmarks. The Kafka services run the same calls.
 */
public final class PipelineRun {
    private final QuantizationEngine engine;

    /** A run on the given engine. */
    public PipelineRun(QuantizationEngine engine) {
        this.engine = engine;
    }

    /** What a whole run produced: the report and the last step's results. */
    public record Outcome(
            QuantizationReport report,
            StateDict baselineWeights,
            StageResults.Ptq ptq,
            StageResults.Qat qat,
            StageResults.FinalPtq finalPtq,
            PreparedJob workload,
            StageResults.Deployed deployed,
            Map<String, ActivationStats> activationStats) {}

    /** Runs every stage for one config, without exporting deployment files. */
    public Outcome run(String jobId, QuantizationConfig config, TrainingListener listener) {
        return run(jobId, config, listener, null);
    }

    /**
     * Runs every stage; when exportDir is given, also does what the stage services do beyond the stages
     * themselves: the FP32 activation statistics after calibration and, when the final_ptq stage ran, the deployment
     * files in exportDir with the integer executor's check in the report. The stage timings then cover
     * the same work as the services' (calibration with its statistics pass, final PTQ with the export),
     * so the two can be compared stage by stage ({@code scripts/bench/services_vs_local.sh}).
     */
    public Outcome run(String jobId, QuantizationConfig config, TrainingListener listener, Path exportDir) {
        Map<String, Long> timings = new LinkedHashMap<>();
        long t = System.nanoTime();
        PreparedJob w = PreparedJob.load(config);
        JobEngine job = engine.job(w);
        StageResults.Baseline base = job.baseline(listener);
        Map<String, ActivationStats> stats = exportDir == null ? Map.of() : job.activationStats(base.weights());
        t = lap(timings, Stage.CALIBRATION, t);
        StageResults.Ptq ptq = job.ptq(base.weights(), listener);
        t = lap(timings, Stage.PTQ, t);
        StageResults.Qat qat = job.qat(ptq.network(), ptq.weights(), listener, OptionalDouble.of(ptq.accuracy()));
        t = lap(timings, Stage.QAT, t);
        StageResults.FinalPtq fin = job.finalPtq(ptq.network(), qat.weights(), qat.thresholds());
        StageResults.Deployed deployed = exportDir == null || fin.skipped()
                ? null
                : job.deploy(ptq.network(), qat.weights(), fin.plan(), fin.logits(), exportDir);
        lap(timings, Stage.FINAL_PTQ, t);
        QuantizationReport.Builder report = QuantizationReport.builder(jobId, ShiftqEvent.CUSTOM, config)
                .initialAccuracy(base.accuracy())
                .ptqAccuracy(ptq.accuracy())
                .qatBestAccuracy(qat.bestAccuracy())
                .finalAccuracy(fin.accuracy())
                .shiftRecords(fin.records())
                .modelSize(fin.size())
                .qatEpochs(qat.epochs())
                .stageTimingsMs(timings)
                .metrics(learnedMetrics(ptq, qat));
        if (deployed != null) {
            report.integerCheck(deployed.check());
        }
        return new Outcome(report.build(), base.weights(), ptq, qat, fin, w, deployed, stats);
    }

    /** The stage metrics the services publish for learned rounding and thresholds, for the report. */
    private static Map<String, Double> learnedMetrics(StageResults.Ptq ptq, StageResults.Qat qat) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(Metrics.LEARNED_ROUNDING_MS, (double) ptq.learnedRoundingMs());
        if (!qat.thresholds().isEmpty()) {
            metrics.put(Metrics.LEARNED_THRESHOLDS_MS, (double) qat.learnedThresholdsMs());
            metrics.put(Metrics.THRESHOLDS_MOVED, (double) qat.thresholdsMoved());
        }
        return metrics;
    }

    private static long lap(Map<String, Long> timings, Stage stage, long since) {
        long now = System.nanoTime();
        timings.put(stage.id(), (now - since) / 1_000_000);
        return now;
    }
}
