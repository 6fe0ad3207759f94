package io.shiftq.engine.pipeline;

import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.report.QuantizationReport;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs baseline, step 1, step 2 and step 3 in one process and returns the report, for the CLI's
 * local mode, the README figures and the benchmarks. The Kafka services run the same calls.
 */
public final class PipelineRun {
    private final QuantizationEngine engine;

    /** A run on the given engine. */
    public PipelineRun(QuantizationEngine engine) {
        this.engine = engine;
    }

    /** What a whole run produced: the report and the last step's results. */
    public record Outcome(QuantizationReport report, io.shiftq.engine.model.StateDict baselineWeights, StepResults.Ptq ptq,
            StepResults.Qat qat, StepResults.FinalPtq finalPtq, Workload workload, StepResults.Deployed deployed) {
    }

    /** Runs every step for one config, without exporting deployment files. */
    public Outcome run(String jobId, QuantizationConfig config, TrainingListener listener) {
        return run(jobId, config, listener, null);
    }

    /**
     * Runs every step; when exportDir is given and step 3 ran, also writes the deployment files
     * there and adds the integer executor's check to the report.
     */
    public Outcome run(String jobId, QuantizationConfig config, TrainingListener listener, java.nio.file.Path exportDir) {
        Map<String, Long> timings = new LinkedHashMap<>();
        long t = System.nanoTime();
        Workload w = Workload.load(config);
        StepResults.Baseline base = engine.baseline(w, listener);
        t = lap(timings, "calibration", t);
        StepResults.Ptq ptq = engine.ptq(w, base.weights());
        t = lap(timings, "ptq", t);
        StepResults.Qat qat = engine.qat(w, ptq.network(), ptq.weights(), listener);
        t = lap(timings, "qat", t);
        StepResults.FinalPtq fin = engine.finalPtq(w, ptq.network(), qat.weights());
        t = lap(timings, "final_ptq", t);
        QuantizationReport report = Reports.assemble(jobId, "custom", config, base.accuracy(), ptq.accuracy(),
                qat.bestAccuracy(), fin.accuracy(), fin.records(), fin.size(), qat.epochs(), timings, Map.of());
        StepResults.Deployed deployed = null;
        if (exportDir != null && !fin.skipped()) {
            t = System.nanoTime();
            deployed = engine.deploy(w, ptq.network(), qat.weights(), fin.plan(), exportDir);
            lap(timings, "deploy", t);
            report = report.withIntegerCheck(deployed.check());
        }
        return new Outcome(report, base.weights(), ptq, qat, fin, w, deployed);
    }

    private static long lap(Map<String, Long> timings, String stage, long since) {
        long now = System.nanoTime();
        timings.put(stage, (now - since) / 1_000_000);
        return now;
    }
}
