package io.shiftq.engine.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.onnx.TestModels;
import io.shiftq.engine.pipeline.PipelineRun;
import io.shiftq.engine.pipeline.QuantizationEngine;
import io.shiftq.engine.quant.ExponentRule;
import io.shiftq.engine.quant.FakeQuant;
import io.shiftq.engine.quant.LayerQuant;
import io.shiftq.engine.quant.TensorQuant;
import io.shiftq.schema.config.QuantizationConfig;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code training.thresholds: learned} (TQT): the quantizer gives fake-quant's values with TQT's gradients, QAT on
 * every layer kind moves exponents that the final_ptq stage keeps, and the integer check stays exact; {@code fixed}
 * hands on nothing learned.
 */
class LearnedThresholdsTest {

    /** Every layer kind on synthetic data, 4-bit activations, two QAT epochs; %s adds to the training section. */
    private static final String EVERY_LAYER_KIND = """
            model: {name: EveryLayerKind}
            data: {dataset: Synthetic, batch_size: 64, train_limit: 1024, test_limit: 256}
            baseline: {epochs: 2, learning_rate: 0.003}
            training: {epochs: 2, learning_rate: 0.001%s}
            ptq: {calibration_batches: 4}
            quantization: {input: {bitwidth: 4}, output: {bitwidth: 4}}
            """;

    @TempDir
    Path dir;

    @Test
    void forwardIsFakeQuantAndBackwardIsTqt() {
        EngineSetup.start();
        TensorQuant q = TensorQuant.perTensor(4, true, ExponentRule.MAX, 2); // codes -8..7, scale 1/4
        float[] x = {0.1f, -0.3f, 0.62f, 5f, -5f};
        try (NDManager m = NDManager.newBaseManager()) {
            LearnedThresholds t = new LearnedThresholds(Map.of("l.input", q), m, 0.01);
            NDArray in = m.create(x);
            in.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                y = t.apply("l.input", in, q);
                assertThat(y.toFloatArray())
                        .containsExactly(FakeQuant.apply(in, q).toFloatArray());
                gc.backward(y.sum());
            }
            assertThat(in.getGradient().toFloatArray()).containsExactly(1f, 1f, 1f, 0f, 0f);
            // s ln2 (round(x/s) - x/s) inside, s ln2 qmax and s ln2 qmin outside, summed: s = 1/4.
            double s = 0.25;
            double expected = s * Math.log(2) * ((0 - 0.4) + (-1 + 1.2) + (2 - 2.48) + 7 - 8);
            // The gradient is read through an Adam step: it moves log2 t against the gradient's sign.
            float before = t.snapshot()[0];
            t.step();
            float after = t.snapshot()[0];
            assertThat(Math.signum(after - before)).isEqualTo((float) -Math.signum(expected));
        }
    }

    @Test
    void learnedThresholdsMoveExponentsOnEveryLayerKindAndTheIntegerCheckStaysExact() {
        QuantizationConfig c = QuantizationConfig.parseYaml(
                EVERY_LAYER_KIND.formatted(", thresholds: learned, threshold_learning_rate: 0.1"));
        PipelineRun.Outcome out = new PipelineRun(new QuantizationEngine()).run("tqt", c, TrainingListener.NONE, dir);
        assertThat(out.qat().thresholds()).isNotEmpty();
        assertThat(out.qat().thresholdsMoved()).isPositive();
        // The final_ptq stage keeps every learned exponent.
        out.qat().thresholds().forEach((key, learned) -> {
            String layer = key.substring(0, key.lastIndexOf('.'));
            LayerQuant lq = out.finalPtq().plan().get(layer);
            TensorQuant used = key.endsWith(".input") ? lq.input() : lq.output();
            assertThat(used.exponent()).as(key).isEqualTo(learned.exponent());
        });
        assertThat(out.report().integerCheck().logitMismatches()).isZero();
        assertThat(out.report().integerCheck().predictionMismatches()).isZero();
        assertThat(out.report().learned().thresholds()).isEqualTo("learned");
        assertThat(out.report().learned().thresholdsMoved()).isEqualTo(out.qat().thresholdsMoved());
    }

    /** The imported ONNX models (real Fashion-MNIST slices), as OnnxPipelineTest runs them, with learned thresholds. */
    @ParameterizedTest
    @ValueSource(strings = {"resnet_style", "mobilenet_style"})
    void importedModelsTrainThresholdsAndStayIntegerExact(String name) {
        QuantizationConfig c = QuantizationConfig.parseYaml(String.format(
                Locale.ROOT, """
                model: {path: %s}
                data: {dataset: FashionMNIST, train_limit: 512, test_limit: 300, batch_size: 64,
                       normalize: {mean: [%s], std: [%s]}}
                training: {epochs: 1, learning_rate: 0.0001, thresholds: learned, threshold_learning_rate: 0.05}
                ptq: {calibration_batches: 4}
                quantization: {weight: {per_channel: true}}
                """, TestModels.model(name).toAbsolutePath(), TestModels.MEAN, TestModels.STD));
        PipelineRun.Outcome out = new PipelineRun(new QuantizationEngine()).run(name, c, TrainingListener.NONE, dir);
        System.out.printf(
                Locale.ROOT,
                "%s with learned thresholds: %d of %d exponents moved, best epoch %d, final %.2f%%, %s%n",
                name,
                out.qat().thresholdsMoved(),
                out.qat().thresholds().size(),
                out.qat().bestEpoch(),
                out.report().finalAccuracy(),
                out.report().integerCheck());
        assertThat(out.qat().thresholds()).isNotEmpty();
        assertThat(out.report().integerCheck().predictionMismatches()).isZero();
        assertThat(out.report().integerCheck().logitMismatches()).isZero();
    }

    @Test
    void fixedThresholdsLearnNothingAndHandNothingOn() {
        QuantizationConfig c = QuantizationConfig.parseYaml(EVERY_LAYER_KIND.formatted(""));
        assertThat(c.training().thresholds()).isEqualTo("fixed");
        PipelineRun.Outcome out = new PipelineRun(new QuantizationEngine()).run("fixed", c, TrainingListener.NONE, dir);
        assertThat(out.qat().thresholds()).isEmpty();
        assertThat(out.qat().learnedThresholdsMs()).isZero();
        assertThat(out.report().learned()).isNull();
        assertThat(out.report().integerCheck().logitMismatches()).isZero();
    }
}
