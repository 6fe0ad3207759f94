package io.shiftq.engine.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.deploy.format.AimetEncodings;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.io.WeightFiles;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.train.BatchProgress;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.Json;
import io.shiftq.schema.config.QuantizationConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Not a unit test: the engine half of {@code scripts/check/aimet-export.sh}. Runs one config
 * through the whole pipeline (default {@code configs/examples/w8a8_ptq_short.yaml}: a real
 * Fashion-MNIST run) and writes what the Python half needs to {@code shiftq.aimet-check.dir}
 * (default {@code target/aimet-export-check}): {@code report.json}, {@code deploy/} (the exported
 * files), the weights the final_ptq stage quantized as {@code qat_folded_weights.npz}, and
 * {@code shiftq_predictions.json} (the fake-quant prediction for every test image, which the integer
 * executor matches bit for bit). The name does not end in "Test", so {@code mvn verify} leaves it
 * out; run it with {@code -Dtest=AimetExportRun}. The integer executor is not run here (it is slow;
 * the deploy tests cover it).
 */
class AimetExportRun {

    @Test
    void exportsARealRunForAimetTorch() throws Exception {
        Path config =
                Path.of(System.getProperty("shiftq.aimet-check.config", "../configs/examples/w8a8_ptq_short.yaml"));
        Path out = Files.createDirectories(
                Path.of(System.getProperty("shiftq.aimet-check.dir", "target/aimet-export-check")));
        QuantizationConfig c = QuantizationConfig.load(config);
        PipelineRun.Outcome o = new PipelineRun(new QuantizationEngine()).run("aimet-export-check", c, new Progress());
        long t0 = System.nanoTime();
        Deployment.Files files = Deployment.export(
                out.resolve("deploy"),
                o.ptq().network(),
                o.qat().weights(),
                o.finalPtq().plan());
        Files.write(
                out.resolve("report.json"),
                Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(o.report()));
        WeightFiles.save(o.qat().weights(), out.resolve("qat_folded_weights.npz"));

        ImageSet test = o.workload().data().test().inMemory();
        int outExp = IntegerModel.from(
                        o.ptq().network(), o.qat().weights(), o.finalPtq().plan())
                .outputQuantizer()
                .exponent();
        IntegerChecker.FakeQuantRun fq = IntegerChecker.fakeQuant(
                o.ptq().network(), o.qat().weights(), o.finalPtq().plan(), test, 64, outExp);
        int correct = 0;
        ObjectNode p = Json.mapper().createObjectNode();
        p.put("images", test.size());
        ArrayNode arr = p.putArray("predictions");
        for (int k = 0; k < test.size(); k++) {
            arr.add(fq.predictions()[k]);
            correct += fq.predictions()[k] == test.labels()[k] ? 1 : 0;
        }
        double acc = 100.0 * correct / test.size();
        p.put("accuracy", acc);
        Files.write(out.resolve("shiftq_predictions.json"), Json.mapper().writeValueAsBytes(p));
        IntegerModel m = IntegerExecutor.load(files.dir()).model();
        System.out.printf(
                Locale.ROOT,
                "final accuracy %.2f%% on %d images (report %.2f%%); export + fake-quant run %d ms;"
                        + " layers whose input exponent differs from what they read: %s; files in %s%n",
                acc,
                test.size(),
                o.report().finalAccuracy(),
                (System.nanoTime() - t0) / 1_000_000,
                AimetEncodings.hiddenInputs(m),
                out);
        assertThat(Math.abs(acc - o.report().finalAccuracy()))
                .as("fake-quant rerun vs report")
                .isLessThan(0.006);
    }

    /** One line per 50 batches. */
    private static final class Progress implements TrainingListener {
        @Override
        public void onBatch(BatchProgress b) {
            if (b.batch() % 50 == 0 || b.batch() == b.batches()) {
                System.out.printf(
                        Locale.ROOT,
                        "  epoch %d/%d batch %d/%d loss %.4f acc %.2f%%%n",
                        b.epoch(),
                        b.epochs(),
                        b.batch(),
                        b.batches(),
                        b.loss(),
                        b.accuracy());
            }
        }
    }
}
