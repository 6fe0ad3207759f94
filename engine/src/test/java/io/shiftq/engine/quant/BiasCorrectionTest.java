package io.shiftq.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.shiftq.engine.EngineSetup;
import io.shiftq.engine.model.HeapTensor;
import io.shiftq.engine.model.Layer;
import io.shiftq.engine.model.Network;
import io.shiftq.engine.model.NetworkBuilder;
import io.shiftq.engine.model.StateDict;
import io.shiftq.engine.nn.LoadedNetwork;
import io.shiftq.schema.config.QuantizationSpec;
import io.shiftq.schema.config.TensorQuantConfig;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bias correction: a hand-worked linear layer and the mean-preserving property on a convolution. */
class BiasCorrectionTest {

    @BeforeAll
    static void engine() {
        EngineSetup.start();
    }

    @Test
    void handWorkedLinearLayer() {
        // 4-bit signed weights at n = 2 (step 0.25): 0.30 -> 0.25 and 0.10 -> 0, so W - Q(W) = [0.05, 0.10].
        // With input means [2, 4] the quantized layer's mean output is 0.05*2 + 0.10*4 = 0.5 too low.
        Network net = new NetworkBuilder("Tiny", 1, 1, 2)
                .sequence("fc")
                .then(n -> new Layer.Flatten(n))
                .then(n -> new Layer.Linear(n, 2, 1, true))
                .build(1);
        StateDict w = new StateDict(Map.of(
                "fc.1.weight",
                new HeapTensor(new long[] {1, 2}, new float[] {0.30f, 0.10f}),
                "fc.1.bias",
                new HeapTensor(new long[] {1}, new float[] {1.0f})));
        QuantPlan plan = new QuantPlan(
                Map.of("fc.1", LayerQuant.weightsOnly(TensorQuant.perTensor(4, true, ExponentRule.MSE, 2), null)));
        BiasCorrection.InputMeans means = new BiasCorrection.InputMeans();
        try (NDManager m = NDManager.newBaseManager()) {
            means.observe("fc.1.input", m.create(new float[] {1, 3, 3, 5}, new Shape(2, 2)));
        }
        StateDict corrected = BiasCorrection.correct(net, w, plan, means);
        assertThat(corrected.get("fc.1.bias").data()[0]).isCloseTo(1.5f, within(1e-6f));
        assertThat(corrected.get("fc.1.weight")).isEqualTo(w.get("fc.1.weight"));
    }

    @Test
    void quantizedConvolutionKeepsTheFloatMeanOutput() {
        // Inputs vary over images and channels but not over space, and there is no padding, so every kernel
        // tap sees the channel mean and the correction is exact: each output channel's mean over the data
        // equals the float layer's, for 4-bit per-tensor weights.
        Network net = new NetworkBuilder("Conv", 3, 8, 8)
                .sequence("f")
                .then(n -> new Layer.Conv2d(n, 3, 4, 3, 1, 0, true))
                .build(4);
        StateDict w = StateDict.initialize(net, 5);
        QuantizationSpec d = QuantizationSpec.defaults();
        TensorQuantConfig w4 = new TensorQuantConfig(4, true, true, false, "mse", 99.99);
        QuantPolicy policy = new QuantPolicy(new QuantizationSpec(w4, d.input(), d.output(), d.bias()));
        QuantPlan plan = policy.weightPlan(net, w);
        Random rnd = new Random(3);
        float[] data = new float[16 * 3 * 8 * 8];
        for (int nc = 0; nc < 16 * 3; nc++) {
            Arrays.fill(data, nc * 64, nc * 64 + 64, (float) (rnd.nextGaussian() * 0.5 + 1.0));
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(data, new Shape(16, 3, 8, 8));
            BiasCorrection.InputMeans means = new BiasCorrection.InputMeans();
            means.observe("f.0.input", x);
            StateDict corrected = BiasCorrection.correct(net, w, plan, means);
            float[] fp = channelMeans(net, w, QuantPlan.FLOAT, x, m);
            float[] before = channelMeans(net, w, plan, x, m);
            // The bias exponent is re-derived from the moved bias, as the ptq stage does.
            float[] after = channelMeans(net, corrected, policy.weightPlan(net, corrected), x, m);
            double shiftBefore = 0;
            for (int c = 0; c < 4; c++) {
                assertThat(after[c]).as("channel %d", c).isCloseTo(fp[c], within(1e-4f));
                shiftBefore += Math.abs(before[c] - fp[c]);
            }
            assertThat(shiftBefore)
                    .as("4-bit rounding shifted the means before correction")
                    .isGreaterThan(1e-3);
        }
    }

    private static float[] channelMeans(Network net, StateDict w, QuantPlan plan, NDArray x, NDManager m) {
        try (LoadedNetwork model = new LoadedNetwork(net, w, m)) {
            return BiasCorrection.InputMeans.channelMeans(model.forward(x, plan, null, false))
                    .toFloatArray();
        }
    }
}
