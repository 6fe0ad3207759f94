package io.shiftq.tools;

import io.shiftq.engine.io.WeightFiles;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.quant.ActivationSummary;
import io.shiftq.engine.train.BatchProgress;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.Json;
import io.shiftq.schema.config.QuantizationConfig;
import io.shiftq.schema.report.EpochResult;
import io.shiftq.schema.report.QuantizationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Runs the whole pipeline in one process without Kafka: {@code LocalRun <config.yaml> <out-dir>}.
 * Writes {@code report.json} and the FP32 and QAT weights as {@code .npz}; used for the README's
 * accuracy figures and the benchmarks.
 */
public final class LocalRun {
    private LocalRun() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: LocalRun <config.yaml> <out-dir> [job-id]");
            System.exit(2);
        }
        QuantizationConfig config = QuantizationConfig.load(Path.of(args[0]));
        Path out = Files.createDirectories(Path.of(args[1]));
        String jobId = args.length > 2 ? args[2] : "local";
        PipelineRun.Outcome o =
                new PipelineRun(new QuantizationEngine()).run(jobId, config, new Printer(), out.resolve("deploy"));
        QuantizationReport r = o.report();
        Files.write(
                out.resolve("report.json"),
                Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(r));
        WeightFiles.save(o.qat().weights(), out.resolve("qat_folded_weights.npz"));
        // The calibration stage's artifact, so a local run leaves the same files as the services.
        Files.write(
                out.resolve("activation_stats.json"),
                Json.mapper()
                        .writerWithDefaultPrettyPrinter()
                        .writeValueAsBytes(ActivationSummary.of(o.activationStats())));
        if (o.baselineWeights() != null) {
            WeightFiles.save(o.baselineWeights(), out.resolve("fp32_weights.npz"));
        }
        System.out.printf(
                Locale.ROOT,
                "initial %.2f  ptq %.2f  qat_best %.2f  final %.2f  (%s)%n",
                r.initialAccuracy(),
                r.ptqAccuracy(),
                r.qatBestAccuracy(),
                r.finalAccuracy(),
                out.resolve("report.json"));
        System.out.println("timings_ms " + r.stageTimingsMs());
        if (r.integerCheck() != null) {
            System.out.println("integer executor vs fake-quant: " + r.integerCheck() + " (files in "
                    + out.resolve("deploy") + ")");
        }
    }

    /** Prints one line per 50 batches and per epoch. */
    private static final class Printer implements TrainingListener {
        @Override
        public void onBatch(BatchProgress p) {
            if (p.batch() % 50 == 0 || p.batch() == p.batches()) {
                System.out.printf(
                        Locale.ROOT,
                        "  epoch %d/%d batch %d/%d loss %.4f acc %.2f%% eta %.0fs%n",
                        p.epoch(),
                        p.epochs(),
                        p.batch(),
                        p.batches(),
                        p.loss(),
                        p.accuracy(),
                        p.etaSeconds());
            }
        }

        @Override
        public void onEpoch(EpochResult r) {
            System.out.printf(
                    Locale.ROOT,
                    "epoch %d: loss %.4f train %.2f%% test %.2f%% lr %.6f (%d ms)%n",
                    r.epoch(),
                    r.trainLoss(),
                    r.trainAccuracy(),
                    r.testAccuracy(),
                    r.learningRate(),
                    r.millis());
        }
    }
}
