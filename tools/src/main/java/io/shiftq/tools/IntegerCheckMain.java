package io.shiftq.tools;

import io.shiftq.engine.deploy.Deployment;
import io.shiftq.engine.deploy.IntegerChecker;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code IntegerCheckMain <config.yaml> [out-dir]}: runs the whole pipeline for the config, exports the
 * deployment files to out-dir (default {@code deploy-out}), loads the integer executor from those
 * files only and prints its agreement with the fake-quant evaluation over the job's test set.
 * Exits 1 when any prediction or logit code differs.
 */
public final class IntegerCheckMain {
    private IntegerCheckMain() {}

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: IntegerCheckMain <config.yaml> [out-dir]");
            System.exit(2);
        }
        QuantizationConfig config = QuantizationConfig.load(Path.of(args[0]));
        Path out = Files.createDirectories(Path.of(args.length > 1 ? args[1] : "deploy-out"));
        long t = System.nanoTime();
        PipelineRun.Outcome o =
                new PipelineRun(new QuantizationEngine()).run("verify", config, new TrainingListener() {});
        System.out.printf(
                Locale.ROOT,
                "pipeline %s on %s: fp32 %.2f%%  final fake-quant %.2f%%  (%d s)%n",
                config.model().name(),
                config.data().dataset(),
                o.report().initialAccuracy(),
                o.finalPtq().accuracy(),
                (System.nanoTime() - t) / 1_000_000_000L);
        Deployment.Files files = Deployment.export(
                out, o.ptq().network(), o.qat().weights(), o.finalPtq().plan());
        files.all().forEach(p -> System.out.println("wrote " + p));
        IntegerChecker.Result r = IntegerChecker.check(
                out,
                o.ptq().network(),
                o.qat().weights(),
                o.finalPtq().plan(),
                o.workload().data().test(),
                config.data().batchSize());
        System.out.println("integer vs fake-quant: " + r.summary());
        if (!r.firstMismatches().isEmpty()) {
            System.out.println("first differing images: " + r.firstMismatches());
        }
        System.exit(r.bitExact() ? 0 : 1);
    }
}
