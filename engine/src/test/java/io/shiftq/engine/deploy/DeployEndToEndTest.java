package io.shiftq.engine.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole pipeline on synthetic data, then the export: the integer executor (reading only the
 * exported files) agrees with fake-quant on every prediction and every logit code; ONNX Runtime
 * runs the QDQ export.
 */
class DeployEndToEndTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"LeNet5", "ResNetSmall"})
    void integerExecutorMatchesFakeQuantBitForBit(String model) throws Exception {
        QuantizationConfig c = QuantizationConfig.parseYaml("""
                model: {name: %s}
                data: {dataset: Synthetic, batch_size: 64, train_limit: 1024, test_limit: 256}
                baseline: {epochs: 2, learning_rate: 0.003}
                training: {epochs: 0}
                ptq: {calibration_batches: 4}
                """.formatted(model));
        PipelineRun.Outcome out =
                new PipelineRun(new QuantizationEngine()).run("deploy-" + model, c, new TrainingListener() {});
        Deployment.Files files = Deployment.export(
                dir, out.ptq().network(), out.qat().weights(), out.finalPtq().plan());
        for (Path p : files.all()) {
            assertThat(Files.size(p)).as(p.toString()).isPositive();
        }
        ImageSet test = out.workload().data().test().inMemory();
        IntegerChecker.Result r = IntegerChecker.check(
                dir, out.ptq().network(), out.qat().weights(), out.finalPtq().plan(), test, 64);
        System.out.println(model + " integer vs fake-quant: " + r.summary());
        assertThat(r.images()).isEqualTo(test.size());
        assertThat(r.fakeQuantAccuracy()).isEqualTo(out.finalPtq().accuracy());
        assertThat(r.predictionMismatches()).isZero();
        assertThat(r.logitMismatches()).isZero();
        assertThat(r.integerAccuracy()).isEqualTo(r.fakeQuantAccuracy());

        // ONNX Runtime on the QDQ export: predictions against fake-quant (half-to-even vs half-up rounding).
        float[] logits = OnnxRuntimeRun.logits(files.onnx(), test);
        IntegerChecker.FakeQuantRun fq = IntegerChecker.fakeQuant(
                out.ptq().network(),
                out.qat().weights(),
                out.finalPtq().plan(),
                test,
                64,
                IntegerExecutor.load(dir).model().outputQuantizer().exponent());
        int classes = logits.length / test.size();
        int predDiff = 0;
        int codeDiff = 0;
        int correct = 0;
        int outExp = IntegerExecutor.load(dir).model().outputQuantizer().exponent();
        for (int k = 0; k < test.size(); k++) {
            long[] codes = new long[classes];
            for (int j = 0; j < classes; j++) {
                codes[j] = (long) Math.rint(Math.scalb((double) logits[k * classes + j], outExp));
            }
            int p = IntegerExecutor.argmax(codes);
            correct += p == test.labels()[k] ? 1 : 0;
            predDiff += p != fq.predictions()[k] ? 1 : 0;
            codeDiff += Arrays.equals(codes, fq.codes()[k]) ? 0 : 1;
        }
        double ortAcc = 100.0 * correct / test.size();
        System.out.printf(
                Locale.ROOT,
                "%s onnxruntime QDQ: accuracy %.2f%% (fake-quant %.2f%%), prediction mismatches %d,"
                        + " images with differing logit codes %d of %d%n",
                model,
                ortAcc,
                r.fakeQuantAccuracy(),
                predDiff,
                codeDiff,
                test.size());
        assertThat(Math.abs(ortAcc - r.fakeQuantAccuracy())).isLessThanOrEqualTo(1.0);
    }
}
