package io.shiftq.engine.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.shiftq.engine.data.ImageSet;
import io.shiftq.engine.deploy.exec.IntegerExecutor;
import io.shiftq.engine.deploy.exec.TensorExecutor;
import io.shiftq.engine.deploy.ops.IntegerModel;
import io.shiftq.engine.deploy.ops.RoundingMode;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.train.TrainingListener;
import io.shiftq.schema.config.QuantizationConfig;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The batched executor ({@link TensorExecutor}: libtorch float kernels on integer codes) against the scalar loops,
 * code for code, on every layer kind, both roundings, narrow activations that saturate often and 16-bit ones whose
 * accumulators need float64.
 */
class IntegerExecutorTest {

    @ParameterizedTest(name = "{0} W{1}A{2} {3}")
    @CsvSource({
        "EveryLayerKind, 8, 8, HALF_UP, false",
        "EveryLayerKind, 8, 16, FLOOR, true",
        "ResNetSmall, 4, 4, HALF_UP, false",
        "LeNet5, 4, 4, FLOOR, false",
    })
    void batchedCodesEqualTheScalarLoops(
            String network, int weightBits, int activationBits, RoundingMode rounding, boolean needsFloat64) {
        QuantizationConfig c =
                QuantizationConfig.parseYaml("""
                model: {name: %s}
                data: {dataset: Synthetic, batch_size: 64, train_limit: 512, test_limit: 300}
                baseline: {epochs: 2, learning_rate: 0.003}
                training: {epochs: 0}
                ptq: {calibration_batches: 2}
                quantization: {weight: {bitwidth: %d}, input: {bitwidth: %d}, output: {bitwidth: %d}}
                """.formatted(network, weightBits, activationBits, activationBits));
        PipelineRun.Outcome out =
                new PipelineRun(new QuantizationEngine()).run("exec-" + network, c, TrainingListener.NONE);
        IntegerModel model = IntegerModel.from(
                out.ptq().network(), out.qat().weights(), out.finalPtq().plan());
        IntegerExecutor executor = new IntegerExecutor(model, rounding, 2);
        ImageSet test = out.workload().data().test().inMemory();

        assertThat(executor.batched())
                .as("the model fits the batched path's exactness bounds")
                .isTrue();
        int float64 = TensorExecutor.plan(model, rounding).orElseThrow().float64Ops();
        assertThat(float64 > 0).as("ops computed in float64: %d", float64).isEqualTo(needsFloat64);
        IntegerExecutor.Result batched = executor.run(test.pixels());
        IntegerExecutor.Result scalar = executor.runScalar(test.pixels());
        assertThat(batched.codes()).hasNumberOfRows(test.size());
        for (int k = 0; k < test.size(); k++) {
            assertThat(batched.codes()[k]).as("image %d", k).containsExactly(scalar.codes()[k]);
        }
        assertThat(batched.predictions()).containsExactly(scalar.predictions());
        long saturated = Arrays.stream(scalar.codes())
                .flatMapToLong(Arrays::stream)
                .filter(v -> v == model.outputQuantizer().qmax()
                        || v == model.outputQuantizer().qmin())
                .count();
        System.out.printf(
                "%s W%dA%d %s: %d images equal, %d ops in float64, %d saturated logit codes%n",
                network, weightBits, activationBits, rounding, test.size(), float64, saturated);
    }
}
